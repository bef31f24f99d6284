"""Lists taken away: the case lists, the register, the overdue list and the dashboard tables
as CSV and XLSX, with the list's search and filters applied and headers in the reader's
language.

Rows are read with a server-side cursor (`iterator`) and written as they come: a CSV streams
to the browser, an XLSX is written row by row by openpyxl's write-only workbook into a file.
Memory stays flat however long the list. A large XLSX is written by a worker (`Export`),
whose progress the official watches.
"""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import connection
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from worktime.days import WorkCalendar

from .models import Application, ChangeRequest, Export, StepClock
from .search import CaseListing, IssuerListing, OverdueListing, User

CHUNK = 2000  # rows fetched per round trip of the server-side cursor
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """What an export writes: a title, headers, and rows produced as they are read."""

    name: str  # the file name's stem
    title: object
    columns: Sequence[object]
    rows: Iterable[Sequence[object]]


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _clock_cells(clock: StepClock | None) -> tuple:
    """Step, due date and state of a case's running time limit, or blanks."""
    if clock is None or clock.stopped_at is not None:
        return ("", None, "")
    return (str(clock.get_step_display()), clock.due_date, str(clock.current_state.label))


CLOCK_COLUMNS = (_("Step"), _("Due"), _("Time limit"))


def application_table(cases: Iterable[Application]) -> Table:
    def rows() -> Iterator[tuple]:
        for case in cases:
            division = case.department.division
            issuer = case.issuer
            yield (
                case.reference,
                case.department.name,
                division.code if division else "",
                division.name_zh if division else "",
                str(case.department.get_kind_display()),
                case.get_status_display(),
                *_clock_cells(case.current_clock),
                issuer.issuer_id if issuer else "",
                issuer.filing_reference if issuer else "",
                _day(case.submitted_at),
                _day(case.created),
            )

    columns = (
        _("Reference"),
        _("Applicant"),
        _("Area code"),
        _("Area"),
        _("Kind of applicant"),
        _("Status"),
        *CLOCK_COLUMNS,
        _("Issuer ID"),
        _("Filing reference"),
        _("Submitted"),
        _("Created"),
    )
    return Table("applications", _("Applications"), columns, rows())


def change_table(cases: Iterable[ChangeRequest]) -> Table:
    def rows() -> Iterator[tuple]:
        for case in cases:
            yield (
                case.reference,
                case.issuer.issuer_id,
                case.department.name,
                case.change_kind_labels,
                str(case.get_route_display()),
                case.get_status_display(),
                *_clock_cells(case.current_clock),
                _day(case.submitted_at),
                _day(case.created),
            )

    columns = (
        _("Reference"),
        _("Issuer ID"),
        _("Applicant"),
        _("Changes"),
        _("Route"),
        _("Status"),
        *CLOCK_COLUMNS,
        _("Submitted"),
        _("Created"),
    )
    return Table("change-requests", _("Change requests"), columns, rows())


def issuer_table(issuers: Iterable) -> Table:
    def rows() -> Iterator[tuple]:
        for issuer in issuers:
            application = getattr(issuer, "application", None)
            yield (
                issuer.issuer_id,
                issuer.department.name,
                issuer.division.code,
                issuer.division.name_zh,
                str(issuer.get_status_display()),
                issuer.filing_reference,
                issuer.filing_date,
                application.reference if application else "",
                _day(issuer.allocated_at),
            )

    columns = (
        _("Issuer ID"),
        _("Issuer"),
        _("Area code"),
        _("Area"),
        _("Status"),
        _("Filing reference"),
        _("Filing date"),
        _("Approving case"),
        _("Allocated"),
    )
    return Table("issuer-register", _("Issuer register"), columns, rows())


def overdue_table(clocks: Iterable[StepClock]) -> Table:
    def rows() -> Iterator[tuple]:
        calendar = WorkCalendar.load()
        now = timezone.now()
        for clock in clocks:
            case = clock.case
            yield (
                case.reference,
                case.department.name,
                str(clock.get_step_display()),
                clock.department.name,
                clock.due_date,
                -clock.left(now, calendar),
                clock.legal_basis,
            )

    columns = (
        _("Reference"),
        _("Applicant"),
        _("Step"),
        _("Office"),
        _("Due"),
        _("Overdue by (working days or hours)"),
        _("Legal basis"),
    )
    return Table("overdue", _("Overdue steps"), columns, rows())


def listing_rows(listing: str, user: User, params: QueryDict):
    """The rows of a list as its page shows them to user (same search, filters, order)."""
    if listing == Export.Listing.CASES:
        return CaseListing(user, params, Application).cases
    if listing == Export.Listing.CHANGES:
        return CaseListing(user, params, ChangeRequest).cases
    if listing == Export.Listing.REGISTER:
        return IssuerListing(user, params).issuers
    return OverdueListing(user, params).clocks


TABLES = {
    Export.Listing.CASES: application_table,
    Export.Listing.CHANGES: change_table,
    Export.Listing.REGISTER: issuer_table,
    Export.Listing.OVERDUE: overdue_table,
}


def read_all(queryset) -> Iterator:
    """Every row, through a server-side cursor planned for reading them all: PostgreSQL
    plans a cursor for its first rows (cursor_tuple_fraction 0.1), which for a filtered
    export meant walking the whole newest-first index."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield from queryset.iterator(chunk_size=CHUNK)
    finally:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("RESET cursor_tuple_fraction")


def listing_table(listing: str, user: User, params: QueryDict) -> Table:
    return TABLES[listing](read_all(listing_rows(listing, user, params)))


def row_count(listing: str, user: User, params: QueryDict, limit: int) -> int:
    """How many rows the list has, counted up to limit + 1."""
    return listing_rows(listing, user, params)[: limit + 1].count()


# --- Writing ------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    # A cell starting with = + - @ would be a formula to a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _Line:
    """A file-like object that hands back what csv.writer writes to it."""

    def write(self, text: str) -> str:
        return text


def csv_lines(table: Table) -> Iterator[str]:
    """The table as CSV lines, the first with a byte-order mark so that spreadsheet programs
    read the Chinese text as UTF-8."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([str(c) for c in table.columns])
    for row in table.rows:
        yield writer.writerow([_text(v) for v in row])


def filename(table: Table, extension: str) -> str:
    return f"{table.name}-{timezone.localdate():%Y%m%d}.{extension}"


def csv_response(table: Table) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(table, "csv")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _cell(sheet: object, value: object) -> object:
    """Numbers and dates stay typed in the spreadsheet; everything else is text."""
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if value is None or isinstance(value, int | float):
        return value
    return _text(value)


def write_xlsx(
    table: Table, handle: IO[bytes], progress: Callable[[int], None] | None = None
) -> int:
    """Write the table into handle as an XLSX workbook, row by row; returns the rows written.
    progress(rows so far) is called every CHUNK rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(table.title)[:31])
    sheet.append([str(c) for c in table.columns])
    written = 0
    for row in table.rows:
        sheet.append([_cell(sheet, v) for v in row])
        written += 1
        if progress and written % CHUNK == 0:
            progress(written)
    workbook.save(handle)
    return written


def xlsx_response(table: Table) -> HttpResponse:
    response = HttpResponse(content_type=XLSX_TYPE)
    write_xlsx(table, response)
    response["Content-Disposition"] = f'attachment; filename="{filename(table, "xlsx")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def inline_rows() -> int:
    """An XLSX of up to this many rows is written while the official waits; a longer one
    goes to a worker."""
    return settings.EXPORT_INLINE_ROWS


def run_export(export: Export, progress: Callable[[int], None] | None = None) -> None:
    """Write an export's file in its requester's language and jurisdiction, recording the
    progress on the row as it goes."""
    params = QueryDict(export.query)
    user = export.requested_by

    def advance(rows: int) -> None:
        Export.objects.filter(pk=export.pk).update(rows_done=rows)
        if progress:
            progress(rows)

    export.status = Export.Status.RUNNING
    export.rows_total = listing_rows(export.listing, user, params).count()
    export.save(update_fields=["status", "rows_total"])
    with translation.override(export.language):
        table = listing_table(export.listing, user, params)
        with File(tempfile.TemporaryFile(), name=export.filename) as handle:
            if export.file_format == Export.Format.XLSX:
                written = write_xlsx(table, handle, advance)
            else:
                written = 0
                for line in csv_lines(table):
                    handle.write(line.encode())
                    written += 1
                    if written % CHUNK == 0:
                        advance(written - 1)
                written -= 1  # the header line
            handle.seek(0)
            export.file.save(export.filename, handle, save=False)
    export.rows_done = written
    export.status = Export.Status.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["rows_done", "status", "finished_at", "file"])
