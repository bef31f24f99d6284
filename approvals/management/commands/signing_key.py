from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from approvals import signing


class Command(BaseCommand):
    help = "Write a self-signed demo signing key and certificate where none is configured."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--demo", action="store_true", help="write the demo pair if missing")

    def handle(self, *args, demo: bool = False, **options) -> None:
        key, cert = Path(settings.DOCUMENT_SIGNING_KEY), Path(settings.DOCUMENT_SIGNING_CERT)
        if not demo:
            raise CommandError("Only --demo is supported; install a real key by its settings.")
        if signing.write_demo_key_pair(key, cert):
            self.stdout.write(f"Demo signing key written to {key} and {cert}.")
        else:
            self.stdout.write(f"A signing key is already at {key}.")
