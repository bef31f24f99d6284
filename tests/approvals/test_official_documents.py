"""The documents an office serves in this procedure (issue #14): each produced by driving the
procedure over HTTP, then opened as a recipient would: the text (pypdf and pdftotext), the QR
code decoded back to the verification URL, the signature checked with pyHanko's validator.
"""

import asyncio
import datetime
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from approvals import clocks, documents, signing
from approvals.flows import IssuanceFlow as Flow
from approvals.models import Action, CaseDocument, DocumentSerial, Outcome
from issuers.models import Department
from tests.helpers import (
    applied,
    assert_served_as_issued,
    decide,
    file_with_registry,
    page,
    poppler_text,
    procedure,
    signature_status,
)

Kind = CaseDocument.Kind
TODAY = timezone.localdate()
CHINESE_DATE = f"{TODAY.year}年{TODAY.month}月{TODAY.day}日"
ZHEJIANG = "浙江省人力资源和社会保障厅"
HANGZHOU = "杭州市人力资源和社会保障局"
BEIJING = "北京市人力资源和社会保障局"


def issued(case, kind: str) -> CaseDocument:
    return CaseDocument.objects.filter(case=case, kind=kind).latest("edition")


def download(client: Client, document: CaseDocument) -> bytes:
    response = client.get(f"/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_a_municipal_case_gets_every_document_from_the_right_office(personas, client_for, issuing):
    """Return (notice to supplement), acceptance, extension, approval and filing, over HTTP."""
    application = applied(personas, "hangzhou")
    zhejiang, ministry = client_for("zhejiang"), client_for("ministry")
    reasons = "营业执照复印件不清晰\n补充发卡银行合作协议"
    issuing(decide, zhejiang, application, Flow.provincial_examination, Outcome.RETURN, reasons)
    notice = issued(application, Kind.SUPPLEMENT_NOTICE)
    assert (notice.office.name, notice.addressee, notice.copy_to) == (ZHEJIANG, HANGZHOU, "")
    assert notice.number == f"浙人社函〔{TODAY.year}〕1号"
    pdf = download(client_for("hangzhou"), notice)
    assert_served_as_issued(notice, pdf, "补正材料通知书", "一次性告知")
    assert "1.营业执照复印件不清晰" in poppler_text(pdf)
    assert "2.补充发卡银行合作协议" in poppler_text(pdf)

    issuing(procedure.correct, application, personas["hangzhou"])
    issuing(zhejiang.post, f"/cases/{application.pk}/accept/")
    acceptance = issued(application, Kind.ACCEPTANCE_NOTICE)
    assert acceptance.number == f"浙人社函〔{TODAY.year}〕2号"
    assert_served_as_issued(acceptance, download(zhejiang, acceptance), "受理通知书", "第三十二条")

    issuing(decide, zhejiang, application, Flow.provincial_examination, Outcome.PASS)
    head = client_for("ministry-head")
    issuing(head.post, f"/cases/{application.pk}/time-limit/extend/", {"reason": "专家评审"})
    extension = issued(application, Kind.EXTENSION_NOTICE)
    # The province accepted the case for both offices: the Ministry's first number.
    assert extension.number == f"人社信息办函〔{TODAY.year}〕1号"
    assert extension.copy_to == ZHEJIANG
    assert_served_as_issued(extension, download(ministry, extension), "专家评审", "第四十二条")

    issuing(decide, ministry, application, Flow.ministry_review, Outcome.PASS)
    application.refresh_from_db()
    decision = issued(application, Kind.DECISION_LETTER)
    assert decision.issuer_id == application.issuer.issuer_id
    assert_served_as_issued(
        decision,
        download(client_for("hangzhou"), decision),
        "准予行政许可决定书",
        decision.issuer_id,
    )

    issuing(file_with_registry, ministry, application, "ICRC-2026-0815")
    form = issued(application, Kind.FILING_FORM)
    assert form.addressee == "国家IC卡注册中心"
    assert form.copy_to == f"{HANGZHOU}、{ZHEJIANG}"
    assert_served_as_issued(form, download(ministry, form), "ICRC-2026-0815")

    numbers = CaseDocument.objects.filter(office__kind="ministry").values_list("number", flat=True)
    assert sorted(numbers) == [f"人社信息办函〔{TODAY.year}〕{n}号" for n in (1, 2, 3)]
    issued_events = application.events.filter(action=Action.DOCUMENT_ISSUED)
    assert issued_events.count() == 5
    html = page(client_for("hangzhou"), f"/cases/{application.pk}/")
    for document in CaseDocument.objects.filter(case=application):
        assert document.number in html
        assert f"/documents/{document.pk}/" in html


def test_a_rejection_states_the_reasons_and_the_rights_of_appeal(personas, client_for, issuing):
    application = applied(personas, "beijing")
    ministry = client_for("ministry")
    issuing(
        decide, ministry, application, Flow.ministry_review, Outcome.REJECT, "发卡地区已有发行机构"
    )
    rejection = issued(application, Kind.REJECTION)
    assert (rejection.addressee, rejection.copy_to) == (BEIJING, "")
    pdf = download(client_for("beijing"), rejection)
    assert_served_as_issued(
        rejection,
        pdf,
        "不予行政许可决定书",
        "发卡地区已有发行机构",
        "六十日内",
        "六个月内",
        "行政复议",
        "行政诉讼",
    )
    # Accepted first (a decision on the merits accepts the case): its notice came first.
    assert issued(application, Kind.ACCEPTANCE_NOTICE).number.endswith("〕1号")
    assert rejection.number.endswith("〕2号")


def test_a_byte_changed_anywhere_breaks_the_signature(personas, client_for, issuing):
    application = applied(personas, "beijing")
    issuing(clocks.accept, application, by=personas["ministry"])
    pdf = bytearray(download(client_for("beijing"), issued(application, Kind.ACCEPTANCE_NOTICE)))
    assert signature_status(bytes(pdf)).intact
    pdf[len(pdf) // 3] ^= 0x01
    assert not signature_status(bytes(pdf)).intact


def test_numbers_run_per_office_and_year_and_a_rollback_gives_the_number_back(personas):
    ministry = Department.objects.ministry()
    zhejiang = Department.objects.get(name=ZHEJIANG)
    assert documents.take_document_number(ministry, 2026) == 1
    assert documents.take_document_number(zhejiang, 2026) == 1
    assert documents.take_document_number(ministry, 2027) == 1
    try:
        with documents.transaction.atomic():
            assert documents.take_document_number(ministry, 2026) == 2
            raise RuntimeError("the document failed to render")
    except RuntimeError:
        pass
    assert documents.take_document_number(ministry, 2026) == 2
    assert DocumentSerial.objects.get(office=ministry, year=2026).last_number == 2


def test_a_redelivered_task_issues_once_under_one_number(personas, issuing):
    application = applied(personas, "beijing")
    issuing(clocks.accept, application, by=personas["ministry"])
    event = application.events.get(action=Action.ACCEPTED)
    first = issued(application, Kind.ACCEPTANCE_NOTICE)
    again = documents.issue_document(Kind.ACCEPTANCE_NOTICE, application, event)
    assert again == first
    assert DocumentSerial.objects.get(office__kind="ministry").last_number == 1


def test_the_office_number_pattern_is_checked(personas):
    ministry = Department.objects.ministry()
    for bad in ("人社函〔{year}〕号", "{number}{unknown}", "{number"):
        ministry.document_number_pattern = bad
        with pytest.raises(ValidationError):
            ministry.full_clean()
    ministry.document_number_pattern = ""
    assert ministry.document_number(2026, 7) == f"{ministry.name}〔2026〕7号"


def test_documents_of_another_jurisdiction_are_404(personas, client_for, issuing):
    application = applied(personas, "hangzhou")
    issuing(client_for("zhejiang").post, f"/cases/{application.pk}/accept/")
    notice = issued(application, Kind.ACCEPTANCE_NOTICE)
    assert client_for("guangdong").get(f"/documents/{notice.pk}/").status_code == 404
    assert client_for("shenzhen").get(f"/documents/{notice.pk}/").status_code == 404
    assert Client().get(f"/documents/{notice.pk}/").status_code == 302  # to the login page


def test_the_signed_pdf_still_declares_pdf_a_3b_with_its_output_intent(personas, issuing):
    """The archive profile as far as we can check here (veraPDF is not available): the
    identification and the sRGB output intent WeasyPrint wrote survive the signature."""
    application = applied(personas, "beijing")
    issuing(clocks.accept, application, by=personas["ministry"])
    pdf = issued(application, Kind.ACCEPTANCE_NOTICE).file.open("rb").read()
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    (intent,) = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"


def test_a_pdf_is_signed_even_inside_a_running_event_loop():
    """pyHanko's signing runs its own event loop; an async caller must not break it. (In a
    thread of its own: after the browser tests this thread may hold Playwright's loop.)"""
    pdf = documents.render_pdf("approvals/pdf/_style.html", {})
    signed = []

    def caller_with_a_loop() -> None:
        async def sign_inside_the_loop() -> bytes:
            return signing.sign_pdf(pdf, reason="test")

        signed.append(asyncio.run(sign_inside_the_loop()))

    thread = threading.Thread(target=caller_with_a_loop)
    thread.start()
    thread.join(timeout=60)
    assert signed and signature_status(signed[0]).intact


def test_a_case_deemed_accepted_gets_its_acceptance_notice_saying_so(personas, issuing):
    """Art. 32: silence for five working days is acceptance from the day of receipt; the
    examining office's notice says so, not that it accepted."""
    application = applied(personas, "hangzhou")
    acceptance = application.current_clock
    issuing(clocks.sweep, acceptance.due_at + datetime.timedelta(minutes=1))
    notice = issued(application, Kind.ACCEPTANCE_NOTICE)
    assert notice.event.action == Action.DEEMED_ACCEPTED
    assert (notice.office.name, notice.addressee) == (ZHEJIANG, HANGZHOU)
    pdf = notice.file.open("rb").read()
    assert_served_as_issued(notice, pdf, "未在五个工作日内告知补正", "即为受理")


def test_the_deploy_check_warns_when_documents_would_be_signed_with_the_demo_key(settings):
    assert [m.id for m in signing.demo_key_in_production(None)] == ["approvals.W001"]
    settings.DOCUMENT_SIGNING_CERT = "/nonexistent/office-cert.pem"
    assert signing.demo_key_in_production(None) == []
