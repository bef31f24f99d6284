"""From filed to authorised to issue (issue #15, first part): the status, the single check
`Issuer.may_issue` that the cardholder services rely on, and the retest that a supplier,
product, surface or file-structure change makes due."""

import datetime

import pytest
from django.test import Client

from approvals import procedure
from approvals.flows import ChangeFlow
from approvals.models import Action, Outcome
from issuers.models import Department, Issuer
from tests.helpers import changed, filed_issuer, page


def authorise(issuer: Issuer) -> Issuer:
    """What the general test's pass will do (its flow comes next)."""
    today = datetime.date(2026, 12, 1)
    Issuer.objects.filter(pk=issuer.pk).update(
        status=Issuer.Status.AUTHORISED,
        keys_issued_on=today,
        psam_issued_on=today,
        authorised_on=today,
    )
    issuer.refresh_from_db()
    return issuer


def change_in_force(personas, issuer: Issuer, **fields) -> None:
    change = changed(personas, "beijing", issuer, **fields)
    procedure.decide(change, ChangeFlow.acknowledgement, personas["ministry"], Outcome.PASS)
    issuer.refresh_from_db()
    return change


def test_only_an_authorised_issuer_without_a_pending_retest_may_issue(personas):
    issuer = filed_issuer(personas, "beijing")
    assert not issuer.may_issue()
    authorise(issuer)
    assert issuer.may_issue() and issuer.may_issue(1)
    assert not issuer.may_issue(2)  # a version that is not the registered one
    issuer.retest_version = 1
    assert not issuer.may_issue()


@pytest.mark.parametrize(
    ("fields", "retest"),
    [({"card_supplier": "Watchdata"}, True), ({"planned_quantity": 2_000_000}, False)],
    ids=["supplier", "more cards"],
)
def test_a_supplier_change_in_force_makes_the_general_test_due_again(personas, fields, retest):
    issuer = authorise(filed_issuer(personas, "beijing"))
    change = change_in_force(personas, issuer, **fields)
    assert issuer.current_specification().version == 2
    assert (issuer.retest_version == 2) is retest
    assert issuer.may_issue() is not retest
    assert change.events.filter(action=Action.RETEST_REQUIRED).exists() is retest


def test_a_change_before_authorisation_sets_no_retest(personas):
    issuer = filed_issuer(personas, "beijing")
    change_in_force(personas, issuer, card_supplier="Watchdata")
    assert issuer.retest_version is None and issuer.status == Issuer.Status.FILED


def test_the_register_shows_the_gates_and_a_pending_retest(personas, client_for):
    issuer = authorise(filed_issuer(personas, "beijing"))
    change_in_force(personas, issuer, card_product="EW-SSC4")
    beijing = client_for("beijing")
    assert "general test pending for v2" in page(beijing, "/register/")
    detail = page(beijing, f"/register/{issuer.pk}/")
    assert "PSAM cards issued" in detail and "2026-12-01" in detail
    assert "Cards of version 2 must pass the general test again" in detail
    # A filed issuer may still request changes once authorised.
    assert f"/changes/new/{issuer.pk}/" in detail


def test_the_public_register_lists_an_authorised_issuer_as_such(personas):
    issuer = authorise(filed_issuer(personas, "beijing"))
    html = page(Client(), "/public/issuers/")
    assert issuer.issuer_id in html and "Authorised to issue" in html


def test_the_information_center_is_a_department_of_its_own_with_its_permission(personas):
    center = Department.objects.information_center()
    assert personas["infocenter"].has_perm("issuers.handle_readiness", center)
    assert not personas["ministry"].has_perm("issuers.handle_readiness", center)
    assert not center.may_apply
