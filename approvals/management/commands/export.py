"""Export a list for an administrator, with a progress bar: the same rows, filters and
jurisdiction as the list's page shows the named user (a superuser sees every department).

    manage.py export cases --user admin --format xlsx --query "q=浙江&status=filed" -o cases.xlsx
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils import translation

from approvals import exports
from approvals.models import Export

BAR = 40


class Command(BaseCommand):
    help = "Export the case list, change list, issuer register or overdue list to CSV or XLSX."

    def add_arguments(self, parser) -> None:
        parser.add_argument("listing", choices=Export.Listing.values)
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument("--user", required=True, help="whose jurisdiction applies")
        parser.add_argument("--format", choices=Export.Format.values, default="xlsx")
        parser.add_argument("--query", default="", help='search and filters, e.g. "q=杭州"')
        parser.add_argument("--language", default="zh-hans", help="of the headers and labels")

    def handle(self, *args, **options) -> None:
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist as missing:
            raise CommandError(f"No user {options['user']!r}.") from missing
        listing, params = options["listing"], QueryDict(options["query"])
        total = exports.listing_rows(listing, user, params).count()
        show = sys.stderr.isatty() or options["verbosity"] > 1

        def progress(rows: int) -> None:
            if show and total:
                done = BAR * rows // total
                self.stderr.write(
                    f"\r[{'#' * done}{'.' * (BAR - done)}] {rows:,}/{total:,}", ending=""
                )

        with translation.override(options["language"]):
            table = exports.listing_table(listing, user, params)
            if options["format"] == Export.Format.XLSX:
                with open(options["output"], "wb") as handle:
                    written = exports.write_xlsx(table, handle, progress)
            else:
                written = -1  # the header line is not a row
                with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                    for line in exports.csv_lines(table):
                        handle.write(line)
                        written += 1
                        if written and written % exports.CHUNK == 0:
                            progress(written)
        progress(written)
        if show:
            self.stderr.write("")
        self.stdout.write(f"Wrote {written:,} rows to {options['output']}.")
