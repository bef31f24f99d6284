from django.core.management.base import BaseCommand, CommandError

from approvals import audit
from approvals.models import AuditCheckpoint, CaseEvent


class Command(BaseCommand):
    help = (
        "Check the case timeline's hash chain against every signed checkpoint (the file store's "
        "and the database's); report forged or missing checkpoints and the first altered, "
        "missing or rewritten events. --checkpoint signs the chain's head instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="Write a checkpoint of the chain's head now (as the hourly task does).",
        )

    def handle(self, *args, **options):
        if options["checkpoint"]:
            made = audit.checkpoint()
            self.stdout.write(f"Checkpoint of {made.at.isoformat()}: #{made.sequence} {made.hash}.")
            return
        problems = audit.problems()
        if problems:
            raise CommandError("Audit chain broken:\n" + "\n".join(f"- {p}" for p in problems))
        self.stdout.write(
            f"Audit chain intact: {CaseEvent.objects.count()} event(s), "
            f"{AuditCheckpoint.objects.count()} checkpoint(s) matched."
        )
