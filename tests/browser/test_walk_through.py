"""The README's walk-through in the browser: a municipal bureau applies, its province returns
the case for correction, the bureau corrects and resubmits, the province accepts and passes it,
the Ministry approves and files it; both PDFs carry the issuer ID."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from approvals.models import Application, Material
from tests.helpers import (
    APPLICATION_DATA,
    card,
    decide_on_page,
    download,
    menu,
    open_from_list,
    pdf_text,
    png_upload,
    sample_pdf,
    take_task,
)

pytestmark = pytest.mark.browser

RETURN_REASONS = "The statement of preparations is not signed. 筹备情况说明未盖章。"
NOTE = "Statement signed and sealed; contact phone updated."
NEW_PHONE = "0571-8888 1234"


def material_file(kind: str, label: str) -> dict:
    """A small valid file for the upload field: the card surface as a PNG, the rest as PDFs."""
    if kind == Material.Kind.CARD_SURFACE:
        return {"name": "surface.png", "mimeType": "image/png", "buffer": png_upload().read()}
    return {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": sample_pdf(label)}


def test_an_application_goes_from_the_form_through_a_return_to_a_filed_issuer_id(
    page, log_in, shoot
):
    # Hangzhou applies: the form, then the six materials on the case page, then submits.
    log_in("hangzhou")
    menu(page, "Cases").click()
    page.get_by_role("link", name="New application").click()
    page.get_by_label("Contact person").fill(APPLICATION_DATA["contact_person"])
    page.get_by_label("Contact phone").fill(APPLICATION_DATA["contact_phone"])
    page.get_by_label("Insured employees").check()
    page.get_by_label("Urban and rural residents").check()
    page.get_by_label("Planned card quantity").fill(APPLICATION_DATA["planned_quantity"])
    page.get_by_label("Card supplier").fill(APPLICATION_DATA["card_supplier"])
    page.get_by_label("Card product").fill(APPLICATION_DATA["card_product"])
    page.get_by_label("Card specification version").select_option(APPLICATION_DATA["spec_version"])
    page.get_by_label("Planned start of issuing").fill(APPLICATION_DATA["planned_start"])
    shoot("application-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Draft saved. Now upload the six materials.")
    reference = Application.objects.get().reference
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)

    for kind, label in Material.Kind.choices:
        page.locator("select[name=kind]").select_option(kind)
        page.locator("input[name=file]").set_input_files(material_file(kind, label))
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_role("status")).to_have_text(f"{label} uploaded (version 1).")
    expect(card(page, "Materials").get_by_text("Missing")).to_have_count(0)
    shoot("materials-uploaded")
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("status")).to_have_text("Application submitted.")
    expect(card(page, "Time limit")).to_contain_text("Acceptance")

    # Zhejiang may accept first; it returns the case at once instead, with the reasons: the
    # notice to supplement, and the clock stops.
    log_in("zhejiang")
    open_from_list(page, "/cases/", reference)
    expect(page.get_by_role("button", name="Accept (受理)")).to_be_visible()
    take_task(page, "Preliminary examination")
    shoot("examination-task")
    decide_on_page(page, "Return for correction", RETURN_REASONS)
    expect(card(page, "Time limit")).to_have_count(0)
    expect(card(page, "Timeline")).to_contain_text("Notice to supplement, before acceptance")

    # Hangzhou reads the reasons, corrects a field and resubmits with a note.
    log_in("hangzhou")
    open_from_list(page, "/cases/", reference)
    expect(page.locator(".notice-error")).to_contain_text(RETURN_REASONS)
    shoot("returned")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Contact phone").fill(NEW_PHONE)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Changes saved.")
    page.get_by_role("button", name="Correct and resubmit").click()
    expect(page.locator(".notice-error")).to_contain_text(RETURN_REASONS)
    page.get_by_label("What was corrected").fill(NOTE)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_have_text("Done. The case has moved on.")
    expect(card(page, "Time limit")).to_contain_text("Acceptance")

    # Zhejiang accepts (受理), sees what was corrected, and passes the examination.
    log_in("zhejiang")
    open_from_list(page, "/cases/", reference)
    page.get_by_role("button", name="Accept (受理)").click()
    expect(page.get_by_role("status")).to_have_text(
        "Accepted. The acceptance notice is on the timeline."
    )
    expect(card(page, "Time limit")).to_contain_text("Preliminary examination")
    take_task(page, "Preliminary examination")
    corrected = card(page, "Corrected after a return")
    expect(corrected).to_contain_text(RETURN_REASONS)
    expect(corrected).to_contain_text(f"{APPLICATION_DATA['contact_phone']} → {NEW_PHONE}")
    expect(corrected).to_contain_text(NOTE)
    shoot("corrected-examination")
    decide_on_page(page, "Pass to the Ministry")

    # The Ministry approves: the issuer ID is allocated.
    log_in("ministry")
    open_from_list(page, "/cases/", reference)
    take_task(page, "Ministry review")
    decide_on_page(page, "Approve")
    issuer_id = Application.objects.get().issuer.issuer_id
    expect(card(page, "Issuer")).to_contain_text(issuer_id)

    # It files with the registration centre: the filing form from the task page, then the
    # centre's reference, date and receipt.
    take_task(page, "File with the National IC Card Registration Center")
    filing_form = download(page, "Download the filing form (PDF)")
    page.get_by_label("Registration centre's filing reference").fill("ICRC-2026-0001")
    page.get_by_label("Filing date").fill(timezone.localdate().isoformat())
    page.get_by_label("Filing receipt").set_input_files(
        {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": sample_pdf("receipt")}
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_have_text("Done. The case has moved on.")
    expect(card(page, "Issuer")).to_contain_text("Filed and active")
    expect(card(page, "Issuer")).to_contain_text("ICRC-2026-0001")
    shoot("filed")

    # The applicant downloads its decision letter; both PDFs name the issuer ID, which is in
    # the register.
    log_in("hangzhou")
    open_from_list(page, "/cases/", reference)
    decision_letter = download(page, "Decision letter (PDF)")
    assert issuer_id in pdf_text(decision_letter)
    assert issuer_id in pdf_text(filing_form)
    menu(page, "Issuer register").click()
    expect(page.get_by_role("link", name=issuer_id)).to_be_visible()
