"""Change requests over HTTP, as each official does them: routing by what changes, both
review paths of a re-approval, filing for the record, one open request per issuer, and
jurisdiction. Through every outcome the issuer ID and earlier registered versions stay."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from viewflow.workflow.status import PROCESS

from approvals.changes import discard_stale_drafts
from approvals.flows import ChangeFlow as Flow
from approvals.flows import IssuanceFlow
from approvals.models import CaseDocument, CaseEvent, ChangeKind, ChangeRequest, event_details
from issuers.file_structure import national_structure, to_json
from issuers.membership import add_member
from issuers.models import CardSpecification, Department, Issuer
from tests.helpers import (
    act,
    add_node,
    apply,
    assert_served_as_issued,
    changed,
    decide,
    edit_change,
    filed_issuer,
    page,
    png_upload,
    post_node,
    request_change,
    save_structure,
    shown_details,
    start_change,
    submit_change,
    task_url,
    upload_surface,
    withdraw_change,
)

Status = ChangeRequest.Status
Route = ChangeKind.Route
Action = CaseEvent.Action

REFUSED_WHILE_OPEN = "A change request for this issuer is still open. Finish or withdraw it first."


# Helpers: the steps of the procedure, done over HTTP.


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response) if response.streaming else response.content))
    return "\n".join(p.extract_text() for p in reader.pages)


def registered_versions(issuer: Issuer) -> list[dict]:
    return list(CardSpecification.objects.filter(issuer=issuer).order_by("version").values())


def current(issuer: Issuer) -> CardSpecification:
    return Issuer.objects.get(pk=issuer.pk).current_specification()


def assert_unchanged(issuer: Issuer, versions_before: list[dict]) -> None:
    """The issuer ID is the same and every earlier version is exactly as it was."""
    assert Issuer.objects.get(pk=issuer.pk).issuer_id == issuer.issuer_id
    assert registered_versions(issuer)[: len(versions_before)] == versions_before


def open_tasks_of(change: ChangeRequest) -> list:
    process = ChangeRequest.objects.get(pk=change.pk).process
    return [t.flow_task for t in process.task_set.filter(status__in=["NEW", "ASSIGNED"])]


# Routing: the system routes by what differs; the applicant never picks the route.


def fields(**values):
    return lambda client, change: edit_change(client, change, **values)


def surface_and_more_cards(client: Client, change: ChangeRequest) -> None:
    edit_change(client, change, planned_quantity=1_500_000)
    upload_surface(client, change)


ROUTING = [
    ("surface", upload_surface, ["surface"], Route.REAPPROVAL, False),
    ("file_structure", add_node, ["file_structure"], Route.REAPPROVAL, False),
    ("supplier", fields(card_supplier="金邦达有限公司"), ["supplier"], Route.FILING, True),
    ("product", fields(card_product="EW-SSC3 接触式卡"), ["product"], Route.FILING, True),
    (
        "wider_population",
        fields(cardholder_categories=["employees", "residents", "students"]),
        ["population"],
        Route.FILING,
        False,
    ),
    (
        "narrower_population",  # not 扩大发卡人群: re-approval
        fields(cardholder_categories=["employees"]),
        ["population_other"],
        Route.REAPPROVAL,
        False,
    ),
    (
        "different_population",  # one group added, one dropped: not wider
        fields(cardholder_categories=["employees", "students"]),
        ["population_other"],
        Route.REAPPROVAL,
        False,
    ),
    (
        "population_note_only",
        fields(cardholder_population="insured employees, residents and foreign workers"),
        ["population_note"],
        Route.REAPPROVAL,
        False,
    ),
    (
        "quantity_increase",
        fields(planned_quantity=1_500_000),
        ["quantity_increase"],
        Route.FILING,
        False,
    ),
    ("spec_version", fields(spec_version="2.00"), ["spec_version"], Route.REAPPROVAL, False),
    (
        "quantity_decrease",  # in neither list: an unknown kind
        fields(planned_quantity=400_000),
        ["quantity_decrease"],
        Route.REAPPROVAL,
        False,
    ),
    (
        "supplier_and_product",
        fields(card_supplier="金邦达有限公司", card_product="GB-9"),
        ["product", "supplier"],
        Route.FILING,
        True,
    ),
    (
        "quantity_increase_and_surface",
        surface_and_more_cards,
        ["quantity_increase", "surface"],
        Route.REAPPROVAL,
        False,
    ),
]


@pytest.mark.parametrize(
    ("make_change", "kinds", "route", "test_cards"),
    [case[1:] for case in ROUTING],
    ids=[case[0] for case in ROUTING],
)
def test_the_route_follows_from_what_changes(
    client_for, personas, make_change, kinds, route, test_cards
):
    hangzhou = client_for("hangzhou")
    issuer = filed_issuer(personas, "hangzhou")
    change = start_change(hangzhou, issuer)
    edit_change(hangzhou, change)
    make_change(hangzhou, change)

    assert change.change_kinds == kinds
    assert change.route == route
    assert change.test_cards_required is test_cards
    detail = page(hangzhou, f"/changes/{change.pk}/")
    assert event_details.kind_labels(kinds) in detail
    assert change.get_route_display() in detail
    assert ("Required: the supplier or product changes." in detail) is test_cards

    submit_change(hangzhou, change)
    if route == Route.REAPPROVAL:
        # A municipal bureau's re-approval starts with the provincial examination.
        assert change.status == Status.PROVINCIAL_EXAMINATION
        assert open_tasks_of(change) == [Flow.provincial_examination]
    else:
        # Filing goes to the Ministry for acknowledgement, whoever files.
        assert change.status == Status.AWAITING_ACKNOWLEDGEMENT
        assert open_tasks_of(change) == [Flow.acknowledgement]
    [detail] = shown_details(change, Action.SUBMITTED)
    assert detail == f"{change.get_route_display()}: {event_details.kind_labels(kinds)}"


def test_a_provincial_filing_also_goes_to_the_ministry_for_acknowledgement(client_for, personas):
    zhejiang = client_for("zhejiang")
    change = request_change(
        zhejiang, filed_issuer(personas, "zhejiang"), planned_quantity=2_000_000
    )
    submit_change(zhejiang, change)
    assert change.status == Status.AWAITING_ACKNOWLEDGEMENT
    assert open_tasks_of(change) == [Flow.acknowledgement]


def test_a_draft_with_nothing_changed_cannot_be_submitted(client_for, personas):
    hangzhou = client_for("hangzhou")
    change = request_change(hangzhou, filed_issuer(personas, "hangzhou"))
    assert change.change_kinds == []
    assert change.route == ""

    response = hangzhou.post(f"/changes/{change.pk}/submit/", follow=True)
    assert "Nothing differs from the registered version" in response.content.decode()
    change.refresh_from_db()
    assert change.status == Status.DRAFT
    assert not hasattr(change, "process")


def test_a_draft_without_a_description_cannot_be_submitted(client_for, personas):
    hangzhou = client_for("hangzhou")
    change = start_change(hangzhou, filed_issuer(personas, "hangzhou"))
    upload_surface(hangzhou, change)
    response = hangzhou.post(f"/changes/{change.pk}/submit/", follow=True)
    assert "Say what changes and why before submitting." in response.content.decode()
    change.refresh_from_db()
    assert change.status == Status.DRAFT


def test_a_kind_deleted_from_the_table_takes_reapproval(client_for, personas):
    ChangeKind.objects.filter(code="supplier").delete()
    hangzhou = client_for("hangzhou")
    change = request_change(
        hangzhou, filed_issuer(personas, "hangzhou"), card_supplier="金邦达有限公司"
    )
    assert change.change_kinds == ["supplier"]
    assert change.route == Route.REAPPROVAL
    assert change.test_cards_required

    submit_change(hangzhou, change)
    assert change.status == Status.PROVINCIAL_EXAMINATION


def test_a_kind_deleted_together_with_a_filing_kind_takes_reapproval(client_for, personas):
    ChangeKind.objects.filter(code="supplier").delete()
    zhejiang = client_for("zhejiang")
    change = request_change(
        zhejiang,
        filed_issuer(personas, "zhejiang"),
        card_supplier="金邦达有限公司",
        planned_quantity=2_000_000,
    )
    assert change.change_kinds == ["quantity_increase", "supplier"]
    assert change.route == Route.REAPPROVAL
    submit_change(zhejiang, change)
    assert change.status == Status.MINISTRY_REVIEW


def test_the_routes_are_data_that_can_be_changed(client_for, personas):
    ChangeKind.objects.filter(code="population").update(route=Route.REAPPROVAL)
    ChangeKind.objects.create(code="quantity_decrease", name="减少", route=Route.FILING)
    hangzhou = client_for("hangzhou")
    issuer = filed_issuer(personas, "hangzhou")

    wider = request_change(hangzhou, issuer, cardholder_population="everyone in Hangzhou")
    assert wider.route == Route.REAPPROVAL
    withdraw_change(hangzhou, wider)

    fewer = request_change(hangzhou, issuer, planned_quantity=10)
    assert fewer.route == Route.FILING


# Regression test (bug fixed in e1a0113). Before the fix: the route is computed when the draft is
# edited and stored; submission and resubmission use the stored route, so a change to the
# ChangeKind table made while the draft is open is ignored (a kind deleted from the table is still
# filed for the record)
def test_the_route_is_decided_by_the_table_as_it_is_at_submission(client_for, personas):
    hangzhou = client_for("hangzhou")
    change = request_change(
        hangzhou, filed_issuer(personas, "hangzhou"), card_supplier="金邦达有限公司"
    )
    assert change.route == Route.FILING
    ChangeKind.objects.filter(code="supplier").delete()

    submit_change(hangzhou, change)
    assert change.route == Route.REAPPROVAL
    assert change.status == Status.PROVINCIAL_EXAMINATION


# Re-approval: the review path of the original application.


def test_municipal_reapproval_goes_through_the_province_then_the_ministry(client_for, personas):
    hangzhou, zhejiang, ministry = (
        client_for("hangzhou"),
        client_for("zhejiang"),
        client_for("ministry"),
    )
    issuer = filed_issuer(personas, "hangzhou")
    versions = registered_versions(issuer)
    assert [v["version"] for v in versions] == [1]
    # Version 1 is the approved application's: no change request made it.
    assert not ChangeRequest.objects.filter(resulting_version_id=versions[0]["id"]).exists()

    change = request_change(hangzhou, issuer, description="新版卡面 / new card surface")
    upload_surface(hangzhou, change)
    assert change.base_version_id == versions[0]["id"]
    submit_change(hangzhou, change)
    assert change.status == Status.PROVINCIAL_EXAMINATION

    assert decide(zhejiang, change, Flow.provincial_examination, "pass").status_code == 302
    assert change.status == Status.MINISTRY_REVIEW
    assert current(issuer).version == 1  # nothing in force before the Ministry decides

    assert decide(ministry, change, Flow.ministry_review, "pass").status_code == 302
    assert change.status == Status.APPROVED
    change.process.refresh_from_db()
    assert change.process.status == PROCESS.DONE

    new = current(issuer)
    assert new.version == 2
    assert new.change_request == change
    assert new.surface_version == 2
    assert new.surface.name == change.surface.name
    assert new.surface_content_type == "image/png"
    assert new.card_supplier == versions[0]["card_supplier"]
    assert new.file_structure == versions[0]["file_structure"]
    assert_unchanged(issuer, versions)

    assert list(change.events.values_list("action", flat=True)) == [
        Action.CREATED,
        Action.EDITED,
        Action.MATERIAL_UPLOADED,
        Action.SUBMITTED,
        Action.CLOCK_STARTED,  # acceptance, by the province
        Action.ACCEPTED,  # passing accepts it first
        Action.CLOCK_STARTED,  # the preliminary examination
        Action.EXAMINATION_PASSED,
        Action.CLOCK_STARTED,  # the Ministry's re-approval
        Action.APPROVED,
        Action.VERSION_CREATED,
    ]
    detail = page(hangzhou, f"/changes/{change.pk}/")
    assert "Registered version 2 is in force." in detail
    assert "Decision letter (PDF)" in detail
    issuer_page = page(hangzhou, f"/register/{issuer.pk}/")
    assert change.reference in issuer_page
    assert issuer.issuer_id in issuer_page

    surface = hangzhou.get(f"/register/{issuer.pk}/v2/surface/")
    assert b"".join(surface).startswith(b"\x89PNG")

    letter = hangzhou.get(f"/changes/{change.pk}/decision.pdf")
    assert letter.status_code == 200
    assert f"{change.reference}-decision.pdf" in letter["Content-Disposition"]
    text = pdf_text(letter)
    assert issuer.issuer_id in text
    assert "re-approval" in text
    assert "v2" in text
    document = CaseDocument.objects.get(case=change, kind=CaseDocument.Kind.CHANGE_DECISION)
    assert document.number.startswith("人社信息办函")
    assert_served_as_issued(document, letter.content, "准予变更行政许可决定书")


@pytest.mark.parametrize("persona", ["zhejiang", "beijing"])
def test_provincial_reapproval_goes_straight_to_the_ministry(client_for, personas, persona):
    applicant, ministry = client_for(persona), client_for("ministry")
    issuer = filed_issuer(personas, persona)
    versions = registered_versions(issuer)

    change = request_change(applicant, issuer, description="新增工伤保险应用 / a new DF")
    add_node(applicant, change)
    submit_change(applicant, change)
    assert change.status == Status.MINISTRY_REVIEW
    assert open_tasks_of(change) == [Flow.ministry_review]

    decide(ministry, change, Flow.ministry_review, "pass")
    assert change.status == Status.APPROVED
    assert not change.process.task_set.filter(flow_task=Flow.provincial_examination).exists()

    new = current(issuer)
    assert new.version == 2
    assert new.change_request == change
    assert "3F00/DF05" in [n["path"] for n in new.file_structure]
    assert new.surface_version == 1
    assert new.surface.name == versions[0]["surface"]
    assert_unchanged(issuer, versions)
    assert registered_versions(issuer)[0]["file_structure"] == national_structure()


def test_province_returns_a_reapproval_and_the_correction_is_examined_again(client_for, personas):
    hangzhou, zhejiang, ministry = (
        client_for("hangzhou"),
        client_for("zhejiang"),
        client_for("ministry"),
    )
    issuer = filed_issuer(personas, "hangzhou")
    versions = registered_versions(issuer)
    change = request_change(hangzhou, issuer)
    upload_surface(hangzhou, change, png_upload(colour=(0, 0, 0)))
    submit_change(hangzhou, change)

    decide(zhejiang, change, Flow.provincial_examination, "return", "卡面颜色不对 / wrong colours")
    assert change.status == Status.RETURNED
    assert "卡面颜色不对 / wrong colours" in page(hangzhou, f"/changes/{change.pk}/")
    assert open_tasks_of(change) == [Flow.correction]

    upload_surface(hangzhou, change, png_upload(colour=(200, 16, 46)))
    assert act(hangzhou, change, Flow.correction, {"note": "New colours."}).status_code == 302
    change.refresh_from_db()
    assert change.status == Status.PROVINCIAL_EXAMINATION
    assert change.process.task_set.filter(flow_task=Flow.provincial_examination).count() == 2

    decide(zhejiang, change, Flow.provincial_examination, "pass")
    decide(ministry, change, Flow.ministry_review, "pass")
    assert change.status == Status.APPROVED
    assert current(issuer).version == 2
    assert current(issuer).surface.name == change.surface.name
    assert_unchanged(issuer, versions)


def test_ministry_returns_a_reapproval_and_the_resubmission_goes_through_the_province_again(
    client_for,
    personas,
):
    hangzhou, zhejiang, ministry = (
        client_for("hangzhou"),
        client_for("zhejiang"),
        client_for("ministry"),
    )
    issuer = filed_issuer(personas, "hangzhou")
    versions = registered_versions(issuer)
    change = request_change(hangzhou, issuer, description="New DF")
    add_node(hangzhou, change)
    submit_change(hangzhou, change)
    decide(zhejiang, change, Flow.provincial_examination, "pass")

    decide(ministry, change, Flow.ministry_review, "return", "AID 未登记 / AID not registered.")
    assert change.status == Status.RETURNED
    assert "AID 未登记 / AID not registered." in page(hangzhou, f"/changes/{change.pk}/")
    assert registered_versions(issuer) == versions

    add_node(hangzhou, change, aid="D15600000506")
    assert act(hangzhou, change, Flow.correction, {"note": "AID fixed."}).status_code == 302
    change.refresh_from_db()
    assert change.status == Status.PROVINCIAL_EXAMINATION
    assert change.events.filter(action=Action.RESUBMITTED).get().reason == "AID fixed."

    decide(zhejiang, change, Flow.provincial_examination, "pass")
    decide(ministry, change, Flow.ministry_review, "pass")
    assert change.status == Status.APPROVED
    new_df = next(n for n in current(issuer).file_structure if n["path"] == "3F00/DF05")
    assert new_df["aid"] == "D15600000506"
    assert_unchanged(issuer, versions)


def test_a_returned_filing_that_now_changes_the_surface_is_resubmitted_for_reapproval(
    client_for,
    personas,
):
    hangzhou, zhejiang, ministry = (
        client_for("hangzhou"),
        client_for("zhejiang"),
        client_for("ministry"),
    )
    issuer = filed_issuer(personas, "hangzhou")
    versions = registered_versions(issuer)
    change = request_change(hangzhou, issuer, card_supplier="金邦达有限公司")
    submit_change(hangzhou, change)
    decide(ministry, change, Flow.acknowledgement, "return", "新厂商卡面不同 / new surface?")
    assert change.status == Status.RETURNED

    upload_surface(hangzhou, change)
    assert change.route == Route.REAPPROVAL
    assert change.change_kinds == ["supplier", "surface"]
    act(hangzhou, change, Flow.correction, {"note": "The supplier's surface attached."})
    change.refresh_from_db()
    assert change.status == Status.PROVINCIAL_EXAMINATION
    assert open_tasks_of(change) == [Flow.provincial_examination]

    decide(zhejiang, change, Flow.provincial_examination, "pass")
    decide(ministry, change, Flow.ministry_review, "pass")
    assert change.status == Status.APPROVED
    new = current(issuer)
    assert (new.version, new.card_supplier, new.surface_version) == (2, "金邦达有限公司", 2)
    assert_unchanged(issuer, versions)


def test_a_returned_reapproval_that_no_longer_changes_the_structure_is_filed_instead(
    client_for,
    personas,
):
    zhejiang, ministry = client_for("zhejiang"), client_for("ministry")
    issuer = filed_issuer(personas, "zhejiang")
    versions = registered_versions(issuer)
    change = request_change(zhejiang, issuer, card_product="EW-SSC3 v2")
    add_node(zhejiang, change)
    assert change.route == Route.REAPPROVAL
    submit_change(zhejiang, change)
    decide(ministry, change, Flow.ministry_review, "return", "Drop the DF.")

    assert save_structure(zhejiang, change, national_structure()).status_code == 302
    assert change.change_kinds == ["product"]
    assert change.route == Route.FILING
    act(zhejiang, change, Flow.correction, {"note": "DF dropped."})
    change.refresh_from_db()
    assert change.status == Status.AWAITING_ACKNOWLEDGEMENT
    assert open_tasks_of(change) == [Flow.acknowledgement]

    decide(ministry, change, Flow.acknowledgement, "pass")
    assert change.status == Status.ACKNOWLEDGED
    new = current(issuer)
    assert (new.version, new.card_product) == (2, "EW-SSC3 v2")
    assert new.file_structure == national_structure()
    assert_unchanged(issuer, versions)


def test_a_correction_that_undoes_every_change_cannot_be_resubmitted(client_for, personas):
    zhejiang, ministry = client_for("zhejiang"), client_for("ministry")
    issuer = filed_issuer(personas, "zhejiang")
    change = request_change(zhejiang, issuer, planned_quantity=10)
    submit_change(zhejiang, change)
    decide(ministry, change, Flow.ministry_review, "return", "Really fewer?")

    edit_change(zhejiang, change, planned_quantity=1_000_000)
    assert change.change_kinds == []
    response = act(zhejiang, change, Flow.correction, {"note": "Undone."})
    assert response.status_code == 200
    assert "Nothing differs from the registered version" in response.content.decode()
    change.refresh_from_db()
    assert change.status == Status.RETURNED
    assert open_tasks_of(change) == [Flow.correction]


def test_province_rejects_a_reapproval_and_nothing_changes(client_for, personas):
    hangzhou, zhejiang = client_for("hangzhou"), client_for("zhejiang")
    issuer = filed_issuer(personas, "hangzhou")
    versions = registered_versions(issuer)
    change = request_change(hangzhou, issuer, planned_quantity=10)
    submit_change(hangzhou, change)

    decide(zhejiang, change, Flow.provincial_examination, "reject", "不予变更 / refused")
    assert change.status == Status.REJECTED
    change.process.refresh_from_db()
    assert change.process.status == PROCESS.DONE
    assert registered_versions(issuer) == versions
    assert current(issuer).planned_quantity == 1_000_000
    assert_unchanged(issuer, versions)
    assert "不予变更 / refused" in page(hangzhou, f"/changes/{change.pk}/")
    assert hangzhou.get(f"/changes/{change.pk}/decision.pdf").status_code == 404


def test_ministry_rejects_a_reapproval_and_nothing_changes(client_for, personas):
    zhejiang, ministry = client_for("zhejiang"), client_for("ministry")
    issuer = filed_issuer(personas, "zhejiang")
    versions = registered_versions(issuer)
    change = request_change(zhejiang, issuer, card_supplier="金邦达有限公司")
    upload_surface(zhejiang, change)
    add_node(zhejiang, change)
    submit_change(zhejiang, change)

    decide(ministry, change, Flow.ministry_review, "reject", "Surface not unified.")
    assert change.status == Status.REJECTED
    assert not CardSpecification.objects.filter(change_request=change).exists()
    assert current(issuer).version == 1
    assert_unchanged(issuer, versions)
    detail = page(zhejiang, f"/changes/{change.pk}/")
    assert "Surface not unified." in detail
    assert "is in force" not in detail
    assert zhejiang.get(f"/changes/{change.pk}/decision.pdf").status_code == 404


# Filing for the record: acknowledged or returned, never approved or rejected.


def test_filing_acknowledged_puts_the_new_version_in_force(client_for, personas):
    hangzhou, zhejiang, ministry = (
        client_for("hangzhou"),
        client_for("zhejiang"),
        client_for("ministry"),
    )
    issuer = filed_issuer(personas, "hangzhou")
    versions = registered_versions(issuer)
    change = request_change(hangzhou, issuer, planned_quantity=1_600_000)
    submit_change(hangzhou, change)
    assert change.status == Status.AWAITING_ACKNOWLEDGEMENT
    # The province sees the municipal filing but has nothing to do with it.
    assign = task_url(change, Flow.acknowledgement, "assign")
    assert assign not in page(zhejiang, f"/changes/{change.pk}/")
    assert assign in page(ministry, f"/changes/{change.pk}/")

    decide(ministry, change, Flow.acknowledgement, "pass")
    assert change.status == Status.ACKNOWLEDGED
    change.process.refresh_from_db()
    assert change.process.status == PROCESS.DONE
    assert not change.process.task_set.filter(flow_task=Flow.ministry_review).exists()

    new = current(issuer)
    assert (new.version, new.planned_quantity, new.change_request) == (2, 1_600_000, change)
    assert new.surface_version == 1
    assert_unchanged(issuer, versions)
    assert list(change.events.values_list("action", flat=True))[-2:] == [
        Action.ACKNOWLEDGED,
        Action.VERSION_CREATED,
    ]

    receipt = hangzhou.get(f"/changes/{change.pk}/decision.pdf")
    assert receipt.status_code == 200
    assert f"{change.reference}-acknowledgement.pdf" in receipt["Content-Disposition"]
    text = pdf_text(receipt)
    assert issuer.issuer_id in text
    assert "filed for the record" in text
    assert "approved" not in text


def test_acknowledgement_of_a_supplier_change_says_test_cards_are_required(client_for, personas):
    beijing, ministry = client_for("beijing"), client_for("ministry")
    issuer = filed_issuer(personas, "beijing")
    change = request_change(beijing, issuer, card_supplier="金邦达有限公司")
    submit_change(beijing, change)
    decide(ministry, change, Flow.acknowledgement, "pass")

    assert change.status == Status.ACKNOWLEDGED
    assert current(issuer).card_supplier == "金邦达有限公司"
    text = pdf_text(beijing.get(f"/changes/{change.pk}/decision.pdf"))
    assert "Test cards required" in text
    assert issuer.issuer_id in text


def test_filing_returned_as_incomplete_changes_nothing(client_for, personas):
    hangzhou, ministry = client_for("hangzhou"), client_for("ministry")
    issuer = filed_issuer(personas, "hangzhou")
    versions = registered_versions(issuer)
    change = request_change(hangzhou, issuer, card_supplier="金邦达有限公司")
    submit_change(hangzhou, change)

    decide(ministry, change, Flow.acknowledgement, "return", "请附厂商证明 / attach certificate")
    assert change.status == Status.RETURNED
    detail = page(hangzhou, f"/changes/{change.pk}/")
    assert "请附厂商证明 / attach certificate" in detail
    assert registered_versions(issuer) == versions
    assert_unchanged(issuer, versions)
    assert open_tasks_of(change) == [Flow.correction]
    assert hangzhou.get(f"/changes/{change.pk}/decision.pdf").status_code == 404

    # Corrected and resubmitted, it is filed again and then acknowledged.
    act(hangzhou, change, Flow.correction, {"note": "Certificate attached."})
    change.refresh_from_db()
    assert change.status == Status.AWAITING_ACKNOWLEDGEMENT
    decide(ministry, change, Flow.acknowledgement, "pass")
    assert change.status == Status.ACKNOWLEDGED
    assert current(issuer).version == 2


def test_a_filing_cannot_be_approved_or_rejected(client_for, personas):
    beijing, ministry = client_for("beijing"), client_for("ministry")
    issuer = filed_issuer(personas, "beijing")
    change = request_change(beijing, issuer, planned_quantity=3_000_000)
    submit_change(beijing, change)
    assert ministry.post(task_url(change, Flow.acknowledgement, "assign")).status_code == 302

    form = page(ministry, task_url(change, Flow.acknowledgement, "execute"))
    assert "Acknowledge for the record" in form
    assert "Return for correction" in form
    assert 'value="pass"' in form
    assert 'value="return"' in form
    assert 'value="reject"' not in form

    response = act(ministry, change, Flow.acknowledgement, {"outcome": "reject", "reasons": "No"})
    assert response.status_code == 200
    change.refresh_from_db()
    assert change.status == Status.AWAITING_ACKNOWLEDGEMENT


def test_returning_a_filing_needs_reasons(client_for, personas):
    beijing, ministry = client_for("beijing"), client_for("ministry")
    change = request_change(beijing, filed_issuer(personas, "beijing"), card_product="X-1")
    submit_change(beijing, change)
    response = decide(ministry, change, Flow.acknowledgement, "return", " ")
    assert response.status_code == 200
    assert "Please give the reasons" in response.content.decode()
    assert change.status == Status.AWAITING_ACKNOWLEDGEMENT


# One open change request per issuer.


def test_a_second_change_request_is_refused_while_a_draft_is_open_and_allowed_once_withdrawn(
    client_for,
    personas,
):
    hangzhou = client_for("hangzhou")
    issuer = filed_issuer(personas, "hangzhou")
    first = start_change(hangzhou, issuer)

    response = hangzhou.post(f"/changes/new/{issuer.pk}/", follow=True)
    assert REFUSED_WHILE_OPEN in response.content.decode()
    assert issuer.change_requests.count() == 1
    issuer_page = page(hangzhou, f"/register/{issuer.pk}/")
    assert first.reference in issuer_page
    assert "Request a change" not in issuer_page

    assert withdraw_change(hangzhou, first).status_code == 302
    assert first.status == Status.WITHDRAWN
    assert first.events.last().action == Action.WITHDRAWN

    second = start_change(hangzhou, issuer)
    assert second.status == Status.DRAFT
    assert second.base_version == first.base_version


def test_a_second_change_request_is_refused_while_the_first_is_submitted_or_returned(
    client_for,
    personas,
):
    hangzhou, ministry = client_for("hangzhou"), client_for("ministry")
    issuer = filed_issuer(personas, "hangzhou")
    first = request_change(hangzhou, issuer, planned_quantity=1_100_000)
    submit_change(hangzhou, first)
    # A submitted change request can no longer be withdrawn.
    withdraw_change(hangzhou, first)
    assert first.status == Status.AWAITING_ACKNOWLEDGEMENT

    response = hangzhou.post(f"/changes/new/{issuer.pk}/", follow=True)
    assert REFUSED_WHILE_OPEN in response.content.decode()

    decide(ministry, first, Flow.acknowledgement, "return", "Why?")
    assert first.status == Status.RETURNED
    response = hangzhou.post(f"/changes/new/{issuer.pk}/", follow=True)
    assert REFUSED_WHILE_OPEN in response.content.decode()
    assert issuer.change_requests.count() == 1


def test_a_new_change_request_is_allowed_after_the_first_is_acknowledged_and_starts_from_it(
    client_for,
    personas,
):
    hangzhou, ministry = client_for("hangzhou"), client_for("ministry")
    issuer = filed_issuer(personas, "hangzhou")
    first = request_change(hangzhou, issuer, planned_quantity=1_100_000)
    submit_change(hangzhou, first)
    decide(ministry, first, Flow.acknowledgement, "pass")

    second = start_change(hangzhou, issuer)
    assert second.base_version == current(issuer)
    assert second.base_version.version == 2
    assert second.planned_quantity == 1_100_000
    edit_change(hangzhou, second, planned_quantity=1_000_000)
    assert second.change_kinds == ["quantity_decrease"]  # compared with version 2
    assert second.route == Route.REAPPROVAL


def test_a_new_change_request_is_allowed_after_the_first_is_rejected(client_for, personas):
    zhejiang, ministry = client_for("zhejiang"), client_for("ministry")
    issuer = filed_issuer(personas, "zhejiang")
    first = request_change(zhejiang, issuer, planned_quantity=10)
    submit_change(zhejiang, first)
    decide(ministry, first, Flow.ministry_review, "reject", "No.")

    second = start_change(zhejiang, issuer)
    assert second.base_version.version == 1


def test_a_returned_change_request_can_be_withdrawn_which_frees_the_issuer(client_for, personas):
    hangzhou, ministry = client_for("hangzhou"), client_for("ministry")
    issuer = filed_issuer(personas, "hangzhou")
    first = request_change(hangzhou, issuer, planned_quantity=1_100_000)
    submit_change(hangzhou, first)
    decide(ministry, first, Flow.acknowledgement, "return", "Why?")
    assert withdraw_change(hangzhou, first).status_code == 302
    first.refresh_from_db()
    assert first.status == Status.WITHDRAWN
    first.process.refresh_from_db()
    assert first.process.status == "CANCELED"
    assert not first.process.task_set.filter(status__in=["NEW", "ASSIGNED"]).exists()
    assert current(issuer).version == 1
    assert start_change(hangzhou, issuer).status == Status.DRAFT


def test_only_a_draft_can_be_withdrawn_and_only_by_its_department(client_for, personas):
    hangzhou, zhejiang = client_for("hangzhou"), client_for("zhejiang")
    change = start_change(hangzhou, filed_issuer(personas, "hangzhou"))
    assert withdraw_change(zhejiang, change).status_code == 404
    assert change.status == Status.DRAFT


# Jurisdiction and the four-eyes rule.


@pytest.fixture
def hangzhou_change(client_for, personas):
    """A Hangzhou surface change awaiting the Zhejiang examination."""
    hangzhou = client_for("hangzhou")
    issuer = filed_issuer(personas, "hangzhou")
    change = request_change(hangzhou, issuer, description="新版卡面")
    upload_surface(hangzhou, change)
    submit_change(hangzhou, change)
    assert change.status == Status.PROVINCIAL_EXAMINATION
    return change


CHANGE_PAGES = ["", "structure.json", "surface/before/", "surface/after/"]


@pytest.mark.parametrize("persona", ["guangdong", "shenzhen", "ningbo", "xihu"])
def test_outsiders_cannot_see_a_hangzhou_change_request(client_for, hangzhou_change, persona):
    change = hangzhou_change
    outsider = client_for(persona)
    for suffix in CHANGE_PAGES:
        assert outsider.get(f"/changes/{change.pk}/{suffix}").status_code == 404, suffix
    assert change.reference not in page(outsider, "/changes/")
    assert outsider.get(f"/change/{change.process.pk}/").status_code == 404
    task_detail = outsider.get(task_url(change, Flow.provincial_examination, "detail"))
    assert task_detail.status_code in (403, 404)
    assert f"/change/{change.process.pk}/" not in page(outsider, "/change/tasks/")


# Regression test (bug fixed in e1a0113). Before the fix: viewflow's process chart
# (/change/<process_pk>/chart/) is not scoped to the user's jurisdiction: another province sees
# which steps of the case are done, e.g. that it was rejected (the same holds for
# /issuance/<process_pk>/chart/)
def test_another_province_cannot_see_the_process_chart_of_a_hangzhou_change(
    client_for, hangzhou_change
):
    guangdong = client_for("guangdong")
    response = guangdong.get(f"/change/{hangzhou_change.process.pk}/chart/")
    assert response.status_code in (403, 404)


@pytest.mark.parametrize("persona", ["zhejiang", "ministry", "hangzhou"])
def test_the_applicant_its_province_and_the_ministry_see_a_submitted_change(
    client_for, hangzhou_change, persona
):
    viewer = client_for(persona)
    assert change_is_listed(viewer, hangzhou_change)
    for suffix in CHANGE_PAGES:
        assert viewer.get(f"/changes/{hangzhou_change.pk}/{suffix}").status_code == 200, suffix


def change_is_listed(client: Client, change: ChangeRequest) -> bool:
    return change.reference in page(client, "/changes/")


@pytest.mark.parametrize("persona", ["guangdong", "shenzhen", "ningbo", "hangzhou", "ministry"])
def test_only_the_examining_province_can_take_the_provincial_examination(
    client_for, hangzhou_change, persona
):
    change = hangzhou_change
    outsider = client_for(persona)
    assign = outsider.post(task_url(change, Flow.provincial_examination, "assign"))
    assert assign.status_code in (403, 404)
    execute = outsider.post(
        task_url(change, Flow.provincial_examination, "execute"),
        {"outcome": "pass", "reasons": ""},
    )
    assert execute.status_code in (403, 404)
    change.refresh_from_db()
    assert change.status == Status.PROVINCIAL_EXAMINATION
    assert change.process.task_set.get(flow_task=Flow.provincial_examination).owner_id is None


def test_another_province_cannot_act_on_a_taken_task(client_for, hangzhou_change):
    change = hangzhou_change
    zhejiang, guangdong = client_for("zhejiang"), client_for("guangdong")
    assert zhejiang.post(task_url(change, Flow.provincial_examination, "assign")).status_code == 302
    response = guangdong.post(
        task_url(change, Flow.provincial_examination, "execute"),
        {"outcome": "reject", "reasons": "Not ours."},
    )
    assert response.status_code in (403, 404)
    change.refresh_from_db()
    assert change.status == Status.PROVINCIAL_EXAMINATION


@pytest.mark.parametrize("persona", ["hangzhou", "zhejiang", "guangdong"])
def test_the_ministry_review_is_the_ministrys_alone(client_for, hangzhou_change, persona):
    change = hangzhou_change
    decide(client_for("zhejiang"), change, Flow.provincial_examination, "pass")
    other = client_for(persona)
    assert other.post(task_url(change, Flow.ministry_review, "assign")).status_code in (403, 404)
    execute = other.post(
        task_url(change, Flow.ministry_review, "execute"), {"outcome": "pass", "reasons": ""}
    )
    assert execute.status_code in (403, 404)
    change.refresh_from_db()
    assert change.status == Status.MINISTRY_REVIEW
    assert current(change.issuer).version == 1


def test_the_applicant_cannot_acknowledge_its_own_filing_even_after_joining_the_ministry(
    client_for, personas
):
    """Four eyes: whoever made the change request never decides on it."""
    hangzhou = client_for("hangzhou")
    issuer = filed_issuer(personas, "hangzhou")
    versions = registered_versions(issuer)
    change = request_change(hangzhou, issuer, planned_quantity=5_000_000)
    submit_change(hangzhou, change)

    assign = task_url(change, Flow.acknowledgement, "assign")
    assert hangzhou.post(assign).status_code in (403, 404)

    add_member(personas["hangzhou"], Department.objects.ministry())
    assert hangzhou.post(assign).status_code in (403, 404)
    response = hangzhou.post(
        task_url(change, Flow.acknowledgement, "execute"), {"outcome": "pass", "reasons": ""}
    )
    assert response.status_code in (403, 404)
    change.refresh_from_db()
    assert change.status == Status.AWAITING_ACKNOWLEDGEMENT
    assert_unchanged(issuer, versions)
    assert len(registered_versions(issuer)) == 1

    # Any other Ministry official may.
    decide(client_for("ministry"), change, Flow.acknowledgement, "pass")
    assert change.status == Status.ACKNOWLEDGED


def test_the_correction_task_is_the_applicants_alone(client_for, personas):
    hangzhou, zhejiang = client_for("hangzhou"), client_for("zhejiang")
    issuer = filed_issuer(personas, "hangzhou")
    change = request_change(hangzhou, issuer, planned_quantity=10)
    submit_change(hangzhou, change)
    decide(zhejiang, change, Flow.provincial_examination, "return", "Why fewer?")

    for persona in ["zhejiang", "ministry", "ningbo"]:
        other = client_for(persona)
        assert other.post(task_url(change, Flow.correction, "assign")).status_code in (403, 404)
    change.refresh_from_db()
    assert change.status == Status.RETURNED


@pytest.mark.parametrize(
    ("persona", "sees_the_issuer"),
    [
        ("zhejiang", True),
        ("ministry", True),
        ("ningbo", False),
        ("guangdong", False),
        ("xihu", False),
    ],
)
def test_only_the_issuers_own_department_can_start_a_change(
    client_for, personas, persona, sees_the_issuer
):
    issuer = filed_issuer(personas, "hangzhou")
    other = client_for(persona)
    response = other.post(f"/changes/new/{issuer.pk}/", follow=True)
    if sees_the_issuer:  # it is told why not
        assert response.redirect_chain == [(f"/register/{issuer.pk}/", 302)]
        html = response.content.decode()
        assert "Only the issuer&#x27;s own department may request a change." in html
    else:  # the issuer is out of its jurisdiction
        assert response.status_code == 404
    assert not ChangeRequest.objects.exists()


def test_a_change_cannot_be_requested_before_the_issuer_is_filed(client_for):
    zhejiang, ministry = client_for("zhejiang"), client_for("ministry")
    application = apply(zhejiang)
    decide(ministry, application, IssuanceFlow.ministry_review, "pass")
    issuer = Issuer.objects.get(application=application)
    assert issuer.status == Issuer.Status.ALLOCATED
    # Approval already registered version 1.
    assert [v["version"] for v in registered_versions(issuer)] == [1]

    response = zhejiang.post(f"/changes/new/{issuer.pk}/", follow=True)
    assert "Changes can be requested once the issuer is filed and active." in (
        response.content.decode()
    )
    assert not ChangeRequest.objects.exists()


def test_drafts_stay_private_to_the_applying_department(client_for, personas):
    hangzhou = client_for("hangzhou")
    change = request_change(hangzhou, filed_issuer(personas, "hangzhou"), planned_quantity=9)
    for persona in ["zhejiang", "ministry"]:
        viewer = client_for(persona)
        assert viewer.get(f"/changes/{change.pk}/").status_code == 404
        assert not change_is_listed(viewer, change)
    assert change_is_listed(hangzhou, change)


# Regression test (bug fixed in e1a0113). Before the fix: in_jurisdiction() treats every status but
# 'draft' as submitted, so a draft that was withdrawn without ever being submitted becomes visible
# to the province and the Ministry
def test_a_withdrawn_draft_stays_private(client_for, personas):
    hangzhou = client_for("hangzhou")
    change = request_change(hangzhou, filed_issuer(personas, "hangzhou"), planned_quantity=9)
    withdraw_change(hangzhou, change)
    assert change.status == Status.WITHDRAWN
    for persona in ["zhejiang", "ministry"]:
        viewer = client_for(persona)
        assert viewer.get(f"/changes/{change.pk}/").status_code == 404
        assert not change_is_listed(viewer, change)


@pytest.mark.parametrize("persona", ["zhejiang", "ningbo", "ministry"])
def test_other_departments_cannot_edit_submit_or_withdraw_a_draft(client_for, personas, persona):
    hangzhou = client_for("hangzhou")
    issuer = filed_issuer(personas, "hangzhou")
    change = request_change(hangzhou, issuer, planned_quantity=9)
    other = client_for(persona)
    data = {name: getattr(change, name) for name in ChangeRequest.EDITABLE_FIELDS}
    attempts = [
        other.post(f"/changes/{change.pk}/edit/", {**data, "planned_quantity": 1}),
        other.post(f"/changes/{change.pk}/surface/", {"surface": png_upload()}),
        post_node(other, change),
        other.post(f"/changes/{change.pk}/structure/", {"structure": to_json([])}),
        other.post(f"/changes/{change.pk}/submit/"),
        other.post(f"/changes/{change.pk}/withdraw/"),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    before = change.events.count()
    change.refresh_from_db()
    assert (change.status, change.planned_quantity, change.surface.name) == (Status.DRAFT, 9, "")
    assert change.file_structure == national_structure()
    assert change.events.count() == before


def test_a_submitted_change_can_no_longer_be_edited(client_for, hangzhou_change):
    change = hangzhou_change
    hangzhou = client_for("hangzhou")
    surface, events = change.surface.name, change.events.count()

    response = hangzhou.post(
        f"/changes/{change.pk}/surface/", {"surface": png_upload()}, follow=True
    )
    assert "This change request can no longer be edited." in response.content.decode()
    response = post_node(hangzhou, change)
    assert response.status_code == 302
    data = {name: getattr(change, name) for name in ChangeRequest.EDITABLE_FIELDS}
    response = hangzhou.post(f"/changes/{change.pk}/edit/", {**data, "planned_quantity": 1})
    assert response.status_code == 302

    change.refresh_from_db()
    assert change.surface.name == surface
    assert change.file_structure == national_structure()
    assert change.planned_quantity == 1_000_000
    assert change.events.count() == events


def test_a_new_card_specification_version_is_put_in_force_on_reapproval(client_for, personas):
    hangzhou = client_for("hangzhou")
    issuer = filed_issuer(personas, "hangzhou")
    assert current(issuer).spec_version == "3.00"
    change = request_change(hangzhou, issuer, spec_version="2.00")
    assert change.change_kinds == ["spec_version"]
    submit_change(hangzhou, change)

    decide(client_for("zhejiang"), change, Flow.provincial_examination, "pass")
    decide(client_for("ministry"), change, Flow.ministry_review, "pass")

    assert change.status == Status.APPROVED
    assert current(issuer).version == 2
    assert current(issuer).spec_version == "2.00"
    assert current(issuer).surface_version == 1  # the surface did not change


# --- Confirmations, and drafts nobody works on ------------------------------------------------


def test_requesting_a_change_asks_first_and_creates_nothing_until_confirmed(client_for, personas):
    issuer = filed_issuer(personas, "hangzhou")
    hangzhou = client_for("hangzhou")
    assert f'href="/changes/new/{issuer.pk}/"' in page(hangzhou, f"/register/{issuer.pk}/")

    confirm = page(hangzhou, f"/changes/new/{issuer.pk}/")

    assert f"Request a change of issuer {issuer.issuer_id}?" in confirm
    assert "A draft nobody works on for 30 days is discarded." in confirm
    assert not issuer.change_requests.exists()
    start_change(hangzhou, issuer)  # the confirmation's POST
    assert issuer.change_requests.count() == 1


def test_withdrawing_asks_first_and_changes_nothing_until_confirmed(client_for, personas):
    hangzhou = client_for("hangzhou")
    change = start_change(hangzhou, filed_issuer(personas, "hangzhou"))

    confirm = page(hangzhou, f"/changes/{change.pk}/withdraw/")

    assert f"Withdraw change request {change.reference}?" in confirm
    change.refresh_from_db()
    assert change.status == Status.DRAFT
    withdraw_change(hangzhou, change)
    assert change.status == Status.WITHDRAWN


def test_a_draft_nobody_touched_for_30_days_is_discarded_on_the_timeline(client_for, personas):
    hangzhou = client_for("hangzhou")
    issuer = filed_issuer(personas, "hangzhou")
    change = start_change(hangzhou, issuer)
    now = timezone.now()

    assert discard_stale_drafts(now + datetime.timedelta(days=29)) == []
    edit_change(hangzhou, change, planned_quantity=1_100_000)  # touched today
    assert discard_stale_drafts(now + datetime.timedelta(days=29, hours=23)) == []
    discarded = discard_stale_drafts(now + datetime.timedelta(days=31))

    assert [c.pk for c in discarded] == [change.pk]
    change.refresh_from_db()
    assert change.status == Status.WITHDRAWN
    event = change.events.get(action=Action.WITHDRAWN)
    assert event.actor is None
    assert "nobody worked on this draft for 30 days" in event.reason
    # The issuer is free for a new request.
    assert start_change(hangzhou, issuer).status == Status.DRAFT


def test_a_submitted_request_is_never_discarded(client_for, personas):
    issuer = filed_issuer(personas, "hangzhou")
    change = changed(personas, "hangzhou", issuer, planned_quantity=5)

    assert discard_stale_drafts(timezone.now() + datetime.timedelta(days=400)) == []
    change.refresh_from_db()
    assert change.status == Status.PROVINCIAL_EXAMINATION


def test_the_nightly_command_discards_stale_drafts(client_for, personas, monkeypatch):
    change = start_change(client_for("hangzhou"), filed_issuer(personas, "hangzhou"))
    later = timezone.now() + datetime.timedelta(days=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    out = io.StringIO()

    call_command("discard_stale_drafts", stdout=out)

    assert "Discarded 1 stale change-request draft(s)." in out.getvalue()
    change.refresh_from_db()
    assert change.status == Status.WITHDRAWN
