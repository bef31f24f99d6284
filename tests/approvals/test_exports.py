"""Exports of the lists: the rows the page shows (search, filters, jurisdiction), headers in
the reader's language, CSV streamed, a long XLSX written by a worker with its progress and
downloaded by the requester alone; and the administrators' command."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import load_workbook

from approvals.models import Export, StepClock
from tests.helpers import applied, filed


@pytest.fixture
def cases(personas):
    return {
        "hangzhou": filed(personas, "hangzhou", reference="ICRC-HZ-1"),
        "ningbo": applied(personas, "ningbo"),
        "shenzhen": applied(personas, "shenzhen"),
    }


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs then read UTF-8
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def xlsx_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_the_case_list_csv_has_the_rows_the_filtered_page_shows(cases, client_for):
    response = client_for("ministry").get("/exports/cases.csv?q=浙江")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:2] == ["Reference", "Applicant"]
    assert {row[0] for row in rows} == {cases["hangzhou"].reference, cases["ningbo"].reference}
    hangzhou = next(row for row in rows if row[0] == cases["hangzhou"].reference)
    assert cases["hangzhou"].issuer.issuer_id in hangzhou and "ICRC-HZ-1" in hangzhou


def test_an_export_never_holds_what_the_user_could_not_open(cases, client_for):
    _, *rows = csv_rows(client_for("zhejiang").get("/exports/cases.csv"))
    assert {row[0] for row in rows} == {cases["hangzhou"].reference, cases["ningbo"].reference}
    _, *rows = csv_rows(client_for("guangdong").get("/exports/register.csv"))
    assert rows == []
    _, *rows = csv_rows(client_for("hangzhou").get("/exports/cases.csv?q=深圳"))
    assert rows == []


def test_headers_and_labels_are_in_the_readers_language(cases, client_for):
    client = client_for("ministry")
    client.cookies["django_language"] = "zh-hans"
    header, *rows = xlsx_rows(client.get("/exports/cases.xlsx").content)
    assert header[0] == "编号" and "状态" in header
    assert "已向注册中心备案" in {row[5] for row in rows}


def test_the_xlsx_keeps_dates_as_dates(cases, client_for):
    header, *rows = xlsx_rows(client_for("ministry").get("/exports/cases.xlsx").content)
    submitted = rows[0][header.index("Submitted")]
    assert isinstance(submitted, datetime.datetime)
    assert submitted.date() == timezone.localdate()


def test_a_cell_that_would_be_a_formula_is_written_as_text(personas, client_for):
    applied(personas, "ningbo", card_supplier="=HYPERLINK()")
    filed(personas, "hangzhou", reference="=1+2")
    _, *rows = csv_rows(client_for("ministry").get("/exports/register.csv"))
    assert rows[0][5] == "'=1+2"


def test_the_register_and_overdue_list_export(cases, client_for):
    clock = StepClock.objects.get(pk=cases["ningbo"].current_clock_id)
    past = timezone.now() - datetime.timedelta(days=3)
    StepClock.objects.filter(pk=clock.pk).update(due_at=past, remind_at=past)
    _, *register = csv_rows(client_for("ministry").get("/exports/register.csv"))
    assert [row[0] for row in register] == [cases["hangzhou"].issuer.issuer_id]
    header, *overdue = csv_rows(client_for("zhejiang").get("/exports/overdue.csv"))
    assert [row[0] for row in overdue] == [cases["ningbo"].reference]
    assert int(overdue[0][header.index("Overdue by (working days or hours)")]) >= 1
    _, *overdue = csv_rows(client_for("guangdong").get("/exports/overdue.csv"))
    assert overdue == []


def test_an_unknown_list_or_format_is_not_found(client_for, personas):
    assert client_for("ministry").get("/exports/people.csv").status_code == 404
    assert client_for("ministry").get("/exports/cases.pdf").status_code == 404


def test_a_long_xlsx_is_written_by_a_worker_and_downloaded_by_its_requester_alone(
    cases, client_for, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 1
    client = client_for("ministry")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/exports/cases.xlsx?q=浙江")
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.pk}/"
    # No broker in the tests: the worker's task ran in-process once the request committed.
    export.refresh_from_db()
    assert export.status == Export.Status.DONE and export.rows_done == export.rows_total == 2
    assert export.query == "q=%E6%B5%99%E6%B1%9F"
    page = client.get(f"/exports/{export.pk}/").content.decode()
    assert "100%" in page and f"/exports/{export.pk}/file/" in page
    download = client.get(f"/exports/{export.pk}/file/")
    _, *rows = xlsx_rows(b"".join(download.streaming_content))
    assert len(rows) == 2
    for stranger in ("zhejiang", "hangzhou"):
        assert client_for(stranger).get(f"/exports/{export.pk}/").status_code == 404
        assert client_for(stranger).get(f"/exports/{export.pk}/file/").status_code == 404
    assert f"/exports/{export.pk}/" not in client_for("zhejiang").get("/exports/").content.decode()
    assert f"/exports/{export.pk}/" in client.get("/exports/").content.decode()


def test_an_export_in_progress_refreshes_itself_and_offers_no_file(personas, client_for):
    export = Export.objects.create(
        requested_by=personas["ministry"], listing="cases", file_format="xlsx", language="en"
    )
    client = client_for("ministry")
    page = client.get(f"/exports/{export.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page
    assert client.get(f"/exports/{export.pk}/file/").status_code == 404


def test_the_command_exports_for_an_administrator(cases, personas, tmp_path):
    output = tmp_path / "cases.csv"
    out = io.StringIO()
    call_command(
        "export",
        "cases",
        user="zhejiang",
        format="csv",
        query="status=filed",
        output=str(output),
        language="en",
        stdout=out,
    )
    rows = list(csv.reader(output.read_text(encoding="utf-8-sig").splitlines()))
    assert [row[0] for row in rows[1:]] == [cases["hangzhou"].reference]
    assert "Wrote 1 rows" in out.getvalue()
    call_command("export", "register", user="admin", output=str(tmp_path / "r.xlsx"))
    assert len(xlsx_rows((tmp_path / "r.xlsx").read_bytes())) == 2


def test_the_lists_link_to_their_exports_with_the_filters(cases, client_for):
    html = client_for("ministry").get("/cases/?q=浙江&status=filed").content.decode()
    assert "/exports/cases.csv?q=%E6%B5%99%E6%B1%9F&amp;status=filed" in html
    assert "/exports/register.xlsx" in client_for("ministry").get("/register/").content.decode()
