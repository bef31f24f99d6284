"""Data that must be refused with a clear message, and nothing saved: the application form,
the change-request form and the filing record, as officials post them."""

import datetime

import pytest
from django.utils import timezone

from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application, CaseEvent, ChangeRequest
from issuers.models import Issuer
from tests.helpers import (
    APPLICATION_DATA,
    act,
    approved,
    create_draft,
    edit_change,
    filed_issuer,
    pdf_upload,
    start_change,
)

TODAY = timezone.localdate()

BAD_APPLICATION_FIELDS = [
    pytest.param("planned_quantity", "0", "Plan at least one card.", id="no-cards"),
    pytest.param("planned_quantity", "-5", "greater than or equal to 0", id="negative-cards"),
    pytest.param(
        "planned_quantity", "300000000", "more than any issuing area has people", id="too-many"
    ),
    pytest.param("contact_phone", "12345", "Enter a mainland landline", id="phone-short"),
    pytest.param("contact_phone", "call me", "Enter a mainland landline", id="phone-text"),
    pytest.param("contact_phone", "0571-0888 0000", "Enter a mainland landline", id="phone-0"),
    pytest.param("contact_phone", "23800000000", "Enter a mainland landline", id="mobile-2x"),
    pytest.param(
        "planned_start",
        (TODAY - datetime.timedelta(days=1)).isoformat(),
        "cannot be in the past",
        id="start-yesterday",
    ),
    pytest.param(
        "cardholder_categories", [], "Choose who will receive cards.", id="no-cardholders"
    ),
    pytest.param(
        "cardholder_categories", ["aliens"], "Select a valid choice", id="unknown-cardholders"
    ),
]


@pytest.mark.parametrize("field, value, message", BAD_APPLICATION_FIELDS)
def test_a_new_application_with_bad_data_is_refused_and_nothing_saved(
    client_for, field, value, message
):
    response = client_for("hangzhou").post("/cases/new/", {**APPLICATION_DATA, field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Application.objects.exists()
    assert not CaseEvent.objects.exists()


@pytest.mark.parametrize("field, value, message", BAD_APPLICATION_FIELDS)
def test_an_edit_with_bad_data_is_refused_and_nothing_changed(client_for, field, value, message):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    before = {name: getattr(draft, name) for name in Application.EDITABLE_FIELDS}
    events = draft.events.count()

    response = hangzhou.post(f"/cases/{draft.pk}/edit/", {**APPLICATION_DATA, field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert {name: getattr(draft, name) for name in Application.EDITABLE_FIELDS} == before
    assert draft.events.count() == events


@pytest.mark.parametrize(
    "phone",
    [
        "0571-8888 0000",
        "057188880000",
        "(010) 8888 2222",
        "020-88881111",
        "0931-8888888",
        "13800000000",
        "138 0000 0000",
        "+86 138-0000-0000",
        "0571-8888 0000 转 123",
    ],
)
def test_real_landline_and_mobile_numbers_are_accepted(client_for, phone):
    response = client_for("hangzhou").post(
        "/cases/new/", {**APPLICATION_DATA, "contact_phone": phone}
    )

    assert response.status_code == 302
    assert Application.objects.get().contact_phone == phone


def test_a_start_today_is_accepted(client_for):
    response = client_for("hangzhou").post(
        "/cases/new/", {**APPLICATION_DATA, "planned_start": TODAY.isoformat()}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "field, value, message",
    [
        pytest.param("planned_quantity", "0", "Plan at least one card.", id="no-cards"),
        pytest.param("planned_quantity", "900000000", "more than any issuing", id="too-many"),
        pytest.param(
            "cardholder_categories", [], "Choose who will receive cards.", id="no-cardholders"
        ),
    ],
)
def test_a_change_request_with_bad_data_is_refused_and_nothing_changed(
    client_for, personas, field, value, message
):
    hangzhou = client_for("hangzhou")
    change = start_change(hangzhou, filed_issuer(personas, "hangzhou"))
    data = {name: getattr(change, name) for name in ChangeRequest.EDITABLE_FIELDS}
    before = dict(data)
    events = change.events.count()

    response = hangzhou.post(
        f"/changes/{change.pk}/edit/", {**data, "description": "变更", field: value}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    change.refresh_from_db()
    assert {name: getattr(change, name) for name in ChangeRequest.EDITABLE_FIELDS} == before
    assert change.events.count() == events


def test_the_change_request_form_still_takes_good_data(client_for, personas):
    hangzhou = client_for("hangzhou")
    change = start_change(hangzhou, filed_issuer(personas, "hangzhou"))
    assert edit_change(hangzhou, change, planned_quantity=1_500_000).planned_quantity == 1_500_000


# --- Dates in inputs are ISO in every language -------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_edit_form_shows_the_saved_date_in_the_date_input(client_for, language):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)

    page = hangzhou.get(f"/cases/{draft.pk}/edit/", HTTP_ACCEPT_LANGUAGE=language)

    assert f'value="{draft.planned_start.isoformat()}"' in page.content.decode()
    # Saved unchanged, as the browser sends it back, the form is valid.
    resubmitted = hangzhou.post(
        f"/cases/{draft.pk}/edit/",
        {**APPLICATION_DATA, "planned_start": draft.planned_start.isoformat()},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert resubmitted.status_code == 302


# --- The filing record -------------------------------------------------------------------


def filing(reference: str, filing_date: datetime.date) -> dict:
    return {
        "reference": reference,
        "filing_date": filing_date.isoformat(),
        "receipt": pdf_upload("receipt.pdf"),
    }


def assert_not_filed(application: Application) -> None:
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    issuer = Issuer.objects.get(pk=application.issuer_id)
    assert issuer.status == Issuer.Status.ALLOCATED
    assert (issuer.filing_reference, issuer.filing_date, issuer.filing_receipt.name) == (
        "",
        None,
        "",
    )
    assert not application.events.filter(action=CaseEvent.Action.FILED).exists()


@pytest.mark.parametrize(
    "filing_date, message",
    [
        pytest.param(TODAY + datetime.timedelta(days=1), "cannot be in the future", id="tomorrow"),
        pytest.param(
            TODAY - datetime.timedelta(days=1), "cannot be before the approval", id="yesterday"
        ),
    ],
)
def test_a_filing_date_in_the_future_or_before_the_approval_is_refused(
    client_for, personas, filing_date, message
):
    application = approved(personas, "guangdong")

    response = act(
        client_for("ministry"), application, Flow.registry_filing, filing("ICRC-7", filing_date)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert_not_filed(application)


def test_a_filing_reference_already_held_by_another_issuer_is_refused(client_for, personas):
    first = filed_issuer(personas, "beijing")
    application = approved(personas, "guangdong")

    response = act(
        client_for("ministry"),
        application,
        Flow.registry_filing,
        filing(first.filing_reference, TODAY),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert f"{first.filing_reference} is already recorded for issuer {first.issuer_id}" in page
    assert_not_filed(application)
    # With its own reference it files.
    ministry = client_for("ministry")
    assert (
        act(ministry, application, Flow.registry_filing, filing("ICRC-8", TODAY)).status_code == 302
    )
