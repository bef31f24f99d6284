from django.core.management.base import BaseCommand

from approvals import clocks


class Command(BaseCommand):
    help = (
        "Send the reminders, overdue notices and escalations that are due, and deem accepted "
        "the cases nobody answered in time. Safe to run twice at once; celery beat runs it."
    )

    def handle(self, *args, **options) -> None:
        fired = clocks.sweep()
        self.stdout.write(", ".join(f"{n} {kind}" for kind, n in sorted(fired.items())) or "-")
