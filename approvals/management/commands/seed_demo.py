from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from approvals import dashboard
from approvals.demo import DEMO_PASSWORD, PERSONAS, READINESS_PERSONAS, SUPERVISORS, seed_demo
from worktime.models import CalendarYear


class Command(BaseCommand):
    help = "Create demo divisions, departments, users and cases (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never on production)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Refusing to create demo users with DEBUG off. Use --force.")
        if not CalendarYear.objects.exists():
            call_command("load_calendar", stdout=self.stdout)
        # The demo's history is made up: its notifications go nowhere, not to the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            created = seed_demo()
        dashboard.refresh()
        self.stdout.write("Demo cases created." if created else "Demo cases already present.")
        users = ", ".join([*PERSONAS, *SUPERVISORS, *READINESS_PERSONAS, "admin"])
        self.stdout.write(f"Users: {users}. Password for all: {DEMO_PASSWORD}")
        self.stdout.write("Log in at http://127.0.0.1:8000/accounts/login/")
