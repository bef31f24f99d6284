"""The Ministry corrects a filing record entered wrongly: with a reason, on the timeline beside
the record as it was, and with the filing form reissued as a new edition."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from approvals.models import CaseDocument, CaseEvent
from issuers.models import Issuer
from tests.helpers import approved, filed, pdf_upload

Action = CaseEvent.Action
TODAY = timezone.localdate()


def correction_url(application) -> str:
    return f"/cases/{application.pk}/filing/correct/"


def correct(client, application, **data):
    fields = {"reference": "ICRC-2026-0815", "filing_date": TODAY.isoformat(), "reason": ""}
    return client.post(correction_url(application), {**fields, **data})


def pdf_text(response) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def test_a_corrected_filing_record_is_on_the_timeline_and_the_form_is_reissued(
    client_for, personas
):
    application = filed(personas, "guangdong", reference="ICRC-2026-0851")
    ministry = client_for("ministry")
    first = ministry.get(f"/cases/{application.pk}/filing-form.pdf")
    assert "ICRC-2026-0851" in pdf_text(first)
    assert "Correct the filing record" in ministry.get(f"/cases/{application.pk}/").content.decode()

    response = correct(
        ministry, application, reason="备案编号录入时数字颠倒 / Digits swapped when entered."
    )

    assert response.status_code == 302
    issuer = Issuer.objects.get(pk=application.issuer_id)
    assert issuer.filing_reference == "ICRC-2026-0815"
    event = application.events.get(action=Action.FILING_CORRECTED)
    assert event.actor == personas["ministry"]
    assert event.reason == "备案编号录入时数字颠倒 / Digits swapped when entered."
    assert event.detail == f"ICRC-2026-0851 ({TODAY}) → ICRC-2026-0815 ({TODAY})"
    # The record as it was stays on the timeline.
    assert application.events.get(action=Action.FILED).detail == f"ICRC-2026-0851 ({TODAY})"
    reissued = ministry.get(f"/cases/{application.pk}/filing-form.pdf")
    text = pdf_text(reissued)
    assert "ICRC-2026-0815" in text
    assert "Edition 2" in text
    editions = CaseDocument.objects.filter(case=application, kind=CaseDocument.Kind.FILING_FORM)
    assert sorted(editions.values_list("edition", flat=True)) == [1, 2]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "  "}, "This field is required."),
        (
            {"reason": "x", "filing_date": (TODAY + datetime.timedelta(days=1)).isoformat()},
            "cannot be in the future",
        ),
        ({"reason": "x", "reference": "ICRC-BEIJING"}, "is already recorded for issuer"),
        ({"reason": "x", "reference": "ICRC-GUANGDONG"}, "Nothing differs from the filing record"),
    ],
    ids=["no-reason", "future-date", "reference-of-another-issuer", "no-difference"],
)
def test_a_bad_correction_is_refused_and_changes_nothing(client_for, personas, data, message):
    filed(personas, "beijing")
    application = filed(personas, "guangdong")
    before = Issuer.objects.filter(pk=application.issuer_id).values().get()
    events = application.events.count()

    response = correct(client_for("ministry"), application, **data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Issuer.objects.filter(pk=application.issuer_id).values().get() == before
    assert application.events.count() == events


def test_a_new_receipt_may_come_with_the_correction(client_for, personas):
    application = filed(personas, "guangdong")
    old = Issuer.objects.get(pk=application.issuer_id).filing_receipt.name

    response = correct(
        client_for("ministry"), application, reason="New receipt.", receipt=pdf_upload("r2.pdf")
    )

    assert response.status_code == 302
    assert Issuer.objects.get(pk=application.issuer_id).filing_receipt.name != old


@pytest.mark.parametrize(
    "persona, status", [("guangdong", 403), ("zhejiang", 404), ("shenzhen", 404)]
)
def test_only_the_ministry_corrects_a_filing_record(client_for, personas, persona, status):
    application = filed(personas, "guangdong")
    client = client_for(persona)

    assert client.get(correction_url(application)).status_code == status
    assert correct(client, application, reason="x").status_code == status
    assert not application.events.filter(action=Action.FILING_CORRECTED).exists()


def test_an_application_not_yet_filed_has_no_record_to_correct(client_for, personas):
    application = approved(personas, "guangdong")
    assert client_for("ministry").get(correction_url(application)).status_code == 403
