"""From filed to authorised to issue in the browser (issue #15): the issuer's department
applies for keys and PSAM cards from its issuer page, the Ministry Information Center issues
both, the general test fails once and passes on the retest, and a supplier change then sends
the issuer back to "general test pending"."""

import pytest
from playwright.sync_api import Page, expect

from approvals import procedure
from approvals.flows import ChangeFlow
from approvals.models import Authorisation, ChangeKind, GeneralTestItem, Outcome
from tests.helpers import card, changed, filed_issuer, menu, open_from_list, sample_pdf, take_task

pytestmark = pytest.mark.browser


def record_results(page: Page, failing: tuple[str, ...] = ()) -> None:
    for code in GeneralTestItem.Item.values:
        value = "fail" if code in failing else "pass"
        page.locator(f"input[name=item_{code}][value={value}]").check()
        if code in failing:
            page.locator(f"input[name=note_{code}]").fill(
                "外部认证失败 external authentication failed"
            )
    page.get_by_label("Test report (PDF)").set_input_files(
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": sample_pdf("report")}
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_have_text("Done. The case has moved on.")


def apply_for_the_test(page: Page) -> None:
    card(page, "Open steps").locator(".button", has_text="Apply for the general test").click()
    page.locator("#id_test_card_count").fill("2")
    page.get_by_label("Card serial numbers of the test cards").fill(
        "110000D15600000001\n110000D15600000002"
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_have_text("Done. The case has moved on.")


def issue(page: Page, step: str, references: str) -> None:
    take_task(page, step)
    page.get_by_label("Issue", exact=True).check()
    page.get_by_label("References of what is issued").fill(references)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_have_text("Done. The case has moved on.")


def test_a_filed_issuer_is_taken_to_authorised_and_a_supplier_change_sends_it_back(
    page, log_in, shoot, personas
):
    issuer = filed_issuer(personas, "beijing")

    log_in("beijing")
    menu(page, "Issuer register").click()
    page.get_by_role("link", name=issuer.issuer_id).click()
    expect(card(page, "From filing to issuing cards")).to_contain_text("Keys issued: not yet")
    page.get_by_role("link", name="Apply for keys and PSAM cards").click()
    page.get_by_label("Key application").fill("城市级密钥卡 2 张，3.00 版卡片")
    page.get_by_label("PSAM cards applied for").fill("200")
    shoot("authorisation-application")
    page.get_by_role("button", name="Submit to the Information Center").click()
    expect(page.get_by_role("status")).to_have_text("Submitted to the Ministry Information Center.")
    reference = Authorisation.objects.get().reference

    # The Information Center issues both; they run side by side.
    log_in("infocenter")
    open_from_list(page, "/authorisations/", reference)
    expect(card(page, "Open steps")).to_contain_text("Key application")
    expect(card(page, "Open steps")).to_contain_text("PSAM card application")
    issue(page, "PSAM card application", "PSAM 1100000001-1100000200")
    issue(page, "Key application", "KC-2026-0001")
    shoot("authorisation-gates-issued")

    log_in("beijing")
    open_from_list(page, "/authorisations/", reference)
    apply_for_the_test(page)

    log_in("infocenter")
    open_from_list(page, "/authorisations/", reference)
    take_task(page, "General test")
    record_results(page, failing=("external_auth",))
    expect(page.get_by_role("heading", name="General test results")).to_be_visible()

    # The department sees what failed when it applies again.
    log_in("beijing")
    open_from_list(page, "/authorisations/", reference)
    card(page, "Open steps").locator(".button", has_text="Apply for the general test").click()
    expect(page.get_by_text("Failed in the last round")).to_be_visible()
    expect(page.get_by_text("External authentication: 外部认证失败")).to_be_visible()
    page.go_back()
    page.reload()
    apply_for_the_test(page)

    log_in("infocenter")
    open_from_list(page, "/authorisations/", reference)
    take_task(page, "General test")
    record_results(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.locator(".case-fields").first).to_contain_text("Authorised to issue")
    shoot("authorised")

    # A supplier change filed for the record: the register shows the retest due. (The admin's
    # table of kinds says a supplier change is only filed; a transactional test's flush may
    # have emptied it.)
    ChangeKind.objects.get_or_create(
        code="supplier", defaults={"name": "供卡厂商", "route": ChangeKind.Route.FILING}
    )
    change = changed(personas, "beijing", issuer, card_supplier="Watchdata")
    procedure.decide(change, ChangeFlow.acknowledgement, personas["ministry"], Outcome.PASS)
    log_in("beijing")
    menu(page, "Issuer register").click()
    expect(page.get_by_text("Authorised to issue; general test pending for v2")).to_be_visible()
    page.get_by_role("link", name=issuer.issuer_id).click()
    expect(page.get_by_role("link", name="Apply for the general test again")).to_be_visible()
    shoot("retest-pending")
