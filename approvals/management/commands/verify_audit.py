from django.core.management.base import BaseCommand, CommandError

from approvals.audit import first_problem
from approvals.models import CaseEvent


class Command(BaseCommand):
    help = "Check the case timeline's hash chain; report the first altered or missing event."

    def handle(self, *args, **options):
        problem = first_problem()
        if problem:
            raise CommandError(f"Audit chain broken: {problem}.")
        self.stdout.write(f"Audit chain intact: {CaseEvent.objects.count()} event(s).")
