"""From filed to authorised to issue (issue #15), over HTTP as the department and the Ministry
Information Center use it: keys and PSAM cards side by side (both orders, a return on each),
the general test failed and retaken with the failed items carried over, the retest a supplier
change makes due, and no key material accepted anywhere."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from approvals import documents, procedure
from approvals.flows import AuthorisationFlow as Flow
from approvals.flows import ChangeFlow
from approvals.models import Authorisation, CaseDocument, GeneralTestItem, Outcome
from issuers.membership import add_member
from issuers.models import Department, Issuer
from tests.helpers import (
    act,
    assert_served_as_issued,
    changed,
    filed_issuer,
    login,
    open_task,
    page,
    pdf_upload,
)

Status = Authorisation.Status
KEY = "0123456789ABCDEF0123456789ABCDEF"  # what a 3DES key looks like in hex
TODAY = timezone.localdate().isoformat()


def apply(client, issuer: Issuer, **fields) -> object:
    data = {"key_request": "城市级密钥卡 2 张, 3.00 版", "psam_quantity": "200", **fields}
    return client.post(f"/authorisations/new/{issuer.pk}/", data)


def issue(client, case, node, references: str) -> object:
    response = act(
        client, case, node, {"outcome": "issue", "references": references, "issued_on": TODAY}
    )
    case.refresh_from_db()
    return response


def results(failing: tuple[str, ...] = ()) -> dict:
    data = {"report": pdf_upload("report.pdf")}
    for code in GeneralTestItem.Item.values:
        data[f"item_{code}"] = "fail" if code in failing else "pass"
        data[f"note_{code}"] = "外部认证失败" if code in failing else ""
    return data


@pytest.fixture
def applied_for(personas, client_for):
    issuer = filed_issuer(personas, "beijing")
    response = apply(client_for("beijing"), issuer)
    case = Authorisation.objects.get(issuer=issuer)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.status == Status.GATES
    return case


@pytest.mark.parametrize("first", ["keys", "psam"])
def test_keys_and_psam_are_issued_in_either_order_then_the_test_is_applied_for(
    applied_for, client_for, first
):
    case, center = applied_for, client_for("infocenter")
    steps = {
        "keys": (Flow.key_examination, "KC-2026-0001 / KF-2026-0001"),
        "psam": (Flow.psam_examination, "PSAM 1100000001-1100000200"),
    }
    order = [first, *(gate for gate in steps if gate != first)]
    assert issue(center, case, *steps[order[0]]).status_code == 302
    assert case.status == Status.GATES  # the other is still being examined
    issue(center, case, *steps[order[1]])
    assert case.status == Status.TEST_APPLICATION
    assert open_task(case, Flow.test_application) is not None
    issuer = case.issuer
    issuer.refresh_from_db()
    assert issuer.keys_issued_on and issuer.psam_issued_on
    assert not issuer.may_issue()


@pytest.mark.parametrize("gate", ["keys", "psam"])
def test_a_returned_application_is_corrected_while_the_other_goes_on(applied_for, client_for, gate):
    case, center, beijing = applied_for, client_for("infocenter"), client_for("beijing")
    examination = Flow.key_examination if gate == "keys" else Flow.psam_examination
    correction = Flow.key_correction if gate == "keys" else Flow.psam_correction
    other = Flow.psam_examination if gate == "keys" else Flow.key_examination
    act(center, case, examination, {"outcome": "return", "reasons": "数量与发卡规模不符"})
    case.refresh_from_db()
    assert getattr(case, f"{'key' if gate == 'keys' else 'psam'}_state") == "returned"
    assert "数量与发卡规模不符" in page(beijing, case.get_absolute_url())
    issue(center, case, other, "REF-1")  # the other gate is not held up
    value = "城市级密钥卡 3 张" if gate == "keys" else "300"
    assert act(beijing, case, correction, {"value": value, "note": "已调整"}).status_code == 302
    issue(center, case, examination, "REF-2")
    assert case.status == Status.TEST_APPLICATION
    assert str(case.psam_quantity if gate == "psam" else case.key_request) == value


def test_a_failed_test_is_retaken_with_the_failed_items_shown(applied_for, client_for):
    case, center, beijing = applied_for, client_for("infocenter"), client_for("beijing")
    issue(center, case, Flow.key_examination, "KC-1")
    issue(center, case, Flow.psam_examination, "PSAM-1")
    test_cards = {
        "test_card_count": "2",
        "test_card_serials": "110000D15600000001\n110000D15600000002",
    }
    act(beijing, case, Flow.test_application, test_cards)
    act(center, case, Flow.general_test, results(failing=("external_auth",)))
    case.refresh_from_db()
    assert case.status == Status.TEST_FAILED and case.test_round == 1
    retake = open_task(case, Flow.test_application)
    assign = Flow.test_application.reverse("assign", args=[case.process.pk, retake.pk])
    execute = Flow.test_application.reverse("execute", args=[case.process.pk, retake.pk])
    assert beijing.post(assign).status_code == 302
    form = page(beijing, execute)
    assert "Failed in the last round" in form and "External authentication" in form
    assert beijing.post(execute, test_cards).status_code == 302
    act(center, case, Flow.general_test, results())
    case.refresh_from_db()
    issuer = Issuer.objects.get(pk=case.issuer_id)
    assert case.status == Status.AUTHORISED and case.test_round == 2
    assert issuer.status == Issuer.Status.AUTHORISED and issuer.may_issue()
    html = page(beijing, case.get_absolute_url())
    assert "Round 1" in html and "Round 2" in html and "外部认证失败" in html
    notice = documents.issue_document(CaseDocument.Kind.AUTHORISATION, case)
    assert notice.office == Department.objects.information_center()
    assert_served_as_issued(
        notice, notice.file.open("rb").read(), "准予发卡通知书", issuer.issuer_id
    )


def authorised_through_the_flow(case, client_for) -> Issuer:
    center, beijing = client_for("infocenter"), client_for("beijing")
    issue(center, case, Flow.key_examination, "KC-1")
    issue(center, case, Flow.psam_examination, "PSAM-1")
    act(beijing, case, Flow.test_application, {"test_card_count": "1", "test_card_serials": "X1"})
    act(center, case, Flow.general_test, results())
    return Issuer.objects.get(pk=case.issuer_id)


def test_a_supplier_change_sends_the_issuer_back_to_a_retest_that_clears_it(
    applied_for, personas, client_for
):
    issuer = authorised_through_the_flow(applied_for, client_for)
    change = changed(personas, "beijing", issuer, card_supplier="Watchdata")
    procedure.decide(change, ChangeFlow.acknowledgement, personas["ministry"], Outcome.PASS)
    issuer.refresh_from_db()
    assert issuer.retest_version == 2 and not issuer.may_issue()
    beijing, center = client_for("beijing"), client_for("infocenter")
    register = page(beijing, f"/register/{issuer.pk}/")
    assert "Apply for the general test again" in register
    assert apply(beijing, issuer).status_code == 302
    retest = Authorisation.objects.get(issuer=issuer, is_retest=True)
    assert retest.status == Status.TEST_APPLICATION
    act(beijing, retest, Flow.test_application, {"test_card_count": "1", "test_card_serials": "Y"})
    act(center, retest, Flow.general_test, results())
    issuer.refresh_from_db()
    retest.refresh_from_db()
    assert retest.tested_version == 2
    assert issuer.retest_version is None and issuer.may_issue(2)


@pytest.mark.parametrize(
    "field_value",
    [KEY, f"key: {KEY.lower()}", "-----BEGIN PRIVATE KEY-----\nMIIB", "A" * 44],
    ids=["hex", "lowercase hex in text", "pem", "base64"],
)
def test_nothing_that_looks_like_a_key_is_accepted(personas, client_for, applied_for, field_value):
    other = filed_issuer(personas, "zhejiang")
    response = apply(client_for("zhejiang"), other, key_request=field_value)
    assert response.status_code == 200
    assert "This looks like key material" in response.content.decode()
    assert not Authorisation.objects.filter(issuer=other).exists()
    center = client_for("infocenter")
    refused = act(
        center,
        applied_for,
        Flow.key_examination,
        {"outcome": "issue", "references": field_value, "issued_on": TODAY},
    )
    assert refused.status_code == 200 and "This looks like key material" in refused.content.decode()
    applied_for.refresh_from_db()
    assert applied_for.key_state == "examination" and applied_for.key_references == ""


def test_only_the_issuers_department_applies_and_the_center_sees_only_what_is_addressed_to_it(
    personas, client_for, applied_for
):
    case = applied_for
    issuer = case.issuer
    assert apply(client_for("ministry"), issuer).status_code in (302, 404)
    assert Authorisation.objects.filter(issuer=issuer).count() == 1
    center = client_for("infocenter")
    assert center.get(case.get_absolute_url()).status_code == 200
    assert center.get(f"/cases/{issuer.application.pk}/").status_code == 404
    assert client_for("guangdong").get(case.get_absolute_url()).status_code == 404
    assert client_for("zhejiang").get(case.get_absolute_url()).status_code == 404


def test_the_centers_lists_show_what_is_addressed_to_it_and_nothing_else(client_for, applied_for):
    case = applied_for
    marks = (case.reference, f"/authorisation/{case.process.pk}/")
    center = client_for("infocenter")
    for listing in ("/authorisations/", "/authorisation/queue/"):
        assert any(mark in page(center, listing) for mark in marks), listing
        assert not any(mark in page(client_for("guangdong"), listing) for mark in marks)
    # Applications and change requests are not addressed to the center.
    application = case.issuer.application
    assert application.reference not in page(center, "/cases/")
    assert f"/issuance/{application.process.pk}/" not in page(center, "/issuance/queue/")


def test_who_examines_keys_psam_and_the_test_is_a_setting(settings, personas, client_for):
    """domain.md marks the routing UNCONFIRMED: AUTHORISATION_OFFICE names the office."""
    settings.AUTHORISATION_OFFICE = "ministry"
    official = get_user_model().objects.create_user("ministry-keys")
    add_member(official, Department.objects.ministry())
    issuer = filed_issuer(personas, "beijing")
    apply(client_for("beijing"), issuer)
    case = Authorisation.objects.get(issuer=issuer)
    assert issue(login(official), case, Flow.key_examination, "KC-1").status_code == 302
    assert case.key_state == "issued"
    # The Information Center is then not addressed: the task is not even there for it.
    task = open_task(case, Flow.psam_examination)
    assign = Flow.psam_examination.reverse("assign", args=[case.process.pk, task.pk])
    assert client_for("infocenter").post(assign).status_code == 404


def test_the_centers_steps_run_against_a_time_limit_and_the_departments_do_not(
    applied_for, client_for
):
    case, center, beijing = applied_for, client_for("infocenter"), client_for("beijing")
    clock = case.clocks.get(stopped_at__isnull=True)
    assert (clock.step, clock.department) == (
        "keys_and_psam",
        Department.objects.information_center(),
    )
    assert clock.amount == 20 and "UNCONFIRMED" in clock.legal_basis
    assert "Keys and PSAM cards" in page(beijing, case.get_absolute_url())
    issue(center, case, Flow.key_examination, "KC-1")
    issue(center, case, Flow.psam_examination, "PSAM-1")
    assert not case.clocks.filter(stopped_at__isnull=True).exists()  # the department's turn
    act(beijing, case, Flow.test_application, {"test_card_count": "1", "test_card_serials": "X1"})
    assert case.clocks.get(stopped_at__isnull=True).step == "general_test"
    act(center, case, Flow.general_test, results())
    assert not case.clocks.filter(stopped_at__isnull=True).exists()


def test_the_center_gets_404_for_everything_not_addressed_to_it(
    personas, client_for, applied_for, issuing
):
    """The jurisdiction crawl for the new department: the issuer's application, its documents,
    its process and tasks, its change requests and its register entry do not exist for it."""
    case = applied_for
    application = case.issuer.application
    document = documents.issue_document(CaseDocument.Kind.DECISION_LETTER, application)
    change = changed(personas, "beijing", case.issuer, card_product="EW-SSC4")
    center = client_for("infocenter")
    hidden = [
        f"/cases/{application.pk}/",
        f"/cases/{application.pk}/decision.pdf",
        f"/cases/{application.pk}/summary.pdf",
        f"/documents/{document.pk}/",
        f"/issuance/{application.process.pk}/",
        f"/changes/{change.pk}/",
        f"/change/{change.process.pk}/",
        f"/register/{case.issuer.pk}/",
    ]
    for url in hidden:
        assert center.get(url).status_code == 404, url
    for url in (case.get_absolute_url(), f"/authorisation/{case.process.pk}/chart/"):
        assert center.get(url).status_code == 200, url
