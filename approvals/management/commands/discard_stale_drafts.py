from django.core.management.base import BaseCommand

from approvals.changes import STALE_DRAFT, discard_stale_drafts


class Command(BaseCommand):
    help = f"Withdraw change-request drafts nobody worked on for {STALE_DRAFT.days} days."

    def handle(self, *args, **options):
        discarded = discard_stale_drafts()
        self.stdout.write(f"Discarded {len(discarded)} stale change-request draft(s).")
