"""A change request in the browser: a filed issuer's department starts one from its issuer
page, edits it, uploads a new card surface and submits it; the Ministry re-approves it and the
new registered version is in force."""

import pytest
from playwright.sync_api import expect

from approvals.models import ChangeRequest
from tests.helpers import (
    card,
    decide_on_page,
    download,
    filed_issuer,
    menu,
    open_from_list,
    pdf_text,
    png_upload,
    take_task,
)

pytestmark = pytest.mark.browser

DESCRIPTION = "New card surface with the provincial emblem; 200,000 more cards."


def test_a_filed_issuer_requests_a_new_card_surface_and_the_ministry_approves_it(
    page, log_in, shoot, personas
):
    # A province's change goes straight to the Ministry. A new card surface is re-approved
    # whatever the admin's table of kinds holds, which a transactional test's flush empties.
    issuer = filed_issuer(personas, "zhejiang")

    log_in("zhejiang")
    menu(page, "Issuer register").click()
    page.get_by_role("link", name=issuer.issuer_id).click()
    page.get_by_role("link", name="Request a change").click()
    page.get_by_role("button", name="Start the change request").click()
    expect(page.get_by_role("status")).to_have_text(
        "Draft change request created from the registered version."
    )
    reference = ChangeRequest.objects.get().reference

    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("What changes and why").fill(DESCRIPTION)
    quantity = page.get_by_label("Planned card quantity")
    more = int(quantity.input_value()) + 200_000
    quantity.fill(str(more))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Changes saved.")
    page.get_by_label("New card surface design").set_input_files(
        {"name": "surface-v2.png", "mimeType": "image/png", "buffer": png_upload().read()}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_have_text("New card surface design uploaded.")

    # The page shows what differs, both surfaces, and the route the system chose.
    differences = card(page, "Differences from the registered version")
    expect(differences).to_contain_text(str(more))
    expect(differences.get_by_role("img", name="Requested card surface")).to_be_visible()
    expect(card(page, "Change request")).to_contain_text("Re-approval (变更审批)")
    shoot("change-draft")
    page.get_by_role("button", name="Submit change request").click()
    expect(page.get_by_role("status")).to_have_text("Change request submitted.")
    expect(card(page, "Change request")).to_contain_text("Awaiting Ministry review")

    # The Ministry takes the re-approval from the change list and approves it.
    log_in("ministry")
    open_from_list(page, "/changes/", reference)
    take_task(page, "Ministry re-approval")
    expect(page.get_by_text(DESCRIPTION)).to_be_visible()
    shoot("reapproval-task")
    decide_on_page(page, "Approve")
    result = card(page, "Change request")
    expect(result).to_contain_text("Approved; new version in force")
    expect(result).to_contain_text("Registered version 2 is in force.")
    assert issuer.issuer_id in pdf_text(download(page, "Decision letter (PDF)"))

    # The issuer keeps its ID; version 2 is the current one.
    result.get_by_role("link", name=issuer.issuer_id).click()
    versions = card(page, "Registered versions")
    expect(versions.get_by_role("row", name="v2 current")).to_contain_text(reference)
    shoot("issuer-versions")
