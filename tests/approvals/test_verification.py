"""The public verification page: anyone with the printed code or the QR code sees what the
document's face shows and its standing (valid, superseded, revoked), and can check a file
against the issued bytes; nothing else about the case."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from approvals import actions, clocks
from approvals.flows import IssuanceFlow as Flow
from approvals.models import Action, CaseDocument, Outcome
from tests.helpers import applied, decide, filed, page

Kind = CaseDocument.Kind


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def verify_url(document: CaseDocument) -> str:
    return f"/public/verify/{document.verification_code}/"


def returned_with_reasons(personas, client_for, issuing):
    application = applied(personas, "hangzhou")
    issuing(
        decide,
        client_for("zhejiang"),
        application,
        Flow.provincial_examination,
        Outcome.RETURN,
        "联系人电话有误 13800000000",
    )
    return application, CaseDocument.objects.get(case=application, kind=Kind.SUPPLEMENT_NOTICE)


def test_anyone_sees_the_face_and_nothing_else(personas, client_for, issuing):
    application, notice = returned_with_reasons(personas, client_for, issuing)
    response = Client().get(verify_url(notice))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in (notice.number, notice.addressee, notice.office.name, notice.sha256):
        assert shown in html
    assert "Valid" in html
    # Nothing beyond the face: not the reasons, the case, its people or its data.
    hidden = [
        "联系人电话有误",
        "13800000000",
        application.reference,
        application.contact_person,
        application.contact_phone,
        application.card_supplier,
        personas["zhejiang"].username,
        personas["hangzhou"].username,
        f"/cases/{application.pk}",
        f"/documents/{notice.pk}",
    ]
    for secret in hidden:
        assert secret not in html, secret


def test_the_code_is_found_however_it_is_typed(personas, client_for, issuing):
    _, notice = returned_with_reasons(personas, client_for, issuing)
    typed = notice.verification_code.replace("-", " ").lower()
    response = Client().get("/public/verify/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == verify_url(notice)


def test_an_unknown_code_is_404_and_says_so(personas):
    response = Client().get("/public/verify/AAAA-BBBB-CCCC-DDDD/")
    assert response.status_code == 404
    assert "No document was issued with this code" in response.content.decode()


def test_codes_are_unguessable(personas, client_for, issuing):
    _, notice = returned_with_reasons(personas, client_for, issuing)
    code = notice.verification_code.replace("-", "")
    assert len(code) == 16 and str(notice.pk) != code and str(notice.case_id) not in code


def test_an_uploaded_pdf_is_checked_against_the_issued_bytes(personas, client_for, issuing):
    _, notice = returned_with_reasons(personas, client_for, issuing)
    issued = notice.file.open("rb").read()
    same = Client().post(
        verify_url(notice), {"pdf": SimpleUploadedFile("n.pdf", issued, "application/pdf")}
    )
    assert "The file is exactly the issued document." in same.content.decode()
    changed = bytearray(issued)
    changed[100] ^= 1
    other = Client().post(
        verify_url(notice),
        {"pdf": SimpleUploadedFile("n.pdf", bytes(changed), "application/pdf")},
    )
    assert "The file is not the issued document" in other.content.decode()


def test_a_corrected_filing_form_supersedes_the_first_with_a_link(personas, client_for, issuing):
    application = issuing(filed, personas, "beijing", reference="ICRC-1")
    issuing(
        actions.correct_filing,
        application,
        by=personas["ministry"],
        reference="ICRC-2",
        filing_date=timezone.localdate(),
        receipt=None,
        reason="备案编号录入错误",
    )
    first, second = CaseDocument.objects.filter(case=application, kind=Kind.FILING_FORM).order_by(
        "edition"
    )
    html = page(Client(), verify_url(first))
    assert "Superseded by a corrected reissue" in html
    assert verify_url(second) in html
    assert "Valid" in page(Client(), verify_url(second))


def test_a_supervisor_of_the_issuing_office_revokes_with_a_reason(personas, client_for, issuing):
    application = applied(personas, "beijing")
    issuing(clocks.accept, application, by=personas["ministry"])
    notice = CaseDocument.objects.get(case=application, kind=Kind.ACCEPTANCE_NOTICE)
    url = f"/documents/{notice.pk}/revoke/"
    for refused in ("ministry", "beijing", "zhejiang-head"):
        assert client_for(refused).get(url).status_code in (403, 404), refused
        client_for(refused).post(url, {"reason": "误发"})
    assert CaseDocument.objects.get(pk=notice.pk).revoked_at is None
    head = client_for("ministry-head")
    assert "Revoke" in page(head, f"/cases/{application.pk}/")
    assert head.post(url, {"reason": " "}).status_code == 200  # the reason is required
    assert head.post(url, {"reason": "受理通知书误发"}).status_code == 302
    notice.refresh_from_db()
    assert notice.revoked_by == personas["ministry-head"]
    event = application.events.get(action=Action.DOCUMENT_REVOKED)
    assert (event.actor, event.reason) == (personas["ministry-head"], "受理通知书误发")
    html = page(Client(), verify_url(notice))
    assert "Revoked" in html and "受理通知书误发" not in html
    assert head.get(url).status_code == 403  # once


def test_the_page_is_rate_limited(personas):
    # All within one clock minute (the budget renews with each): at its 10th second.
    moment = timezone.now().replace(second=10, microsecond=0)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        statuses = [
            Client().get("/public/verify/AAAA-BBBB-CCCC-DDDD/").status_code for _ in range(31)
        ]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


def test_the_page_speaks_chinese(personas, client_for, issuing):
    _, notice = returned_with_reasons(personas, client_for, issuing)
    html = page(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), verify_url(notice))
    assert "核验文书" in html  # the page's title
    assert "补正材料通知书" in html  # the document's kind, in the reader's language
    assert "主送机关" in html and "有效" in html
