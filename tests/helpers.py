"""The one helper module of the tests.

Three ways to take a case through the procedure:

- **through the actions** (`applied`, `filed`, `filed_issuer`, `changed`, and
  approvals.procedure for single steps): fast, and the same forms, actions, flow calls and
  permission checks as the pages. Use it to build the preconditions of a test whose subject
  is not the HTTP layer.
- **over HTTP** (`create_draft` … `file_with_registry`, `start_change` …): the pages as an
  official uses them. Use it where the page, its permissions or its form is the subject.
- **in the browser** (`menu`, `open_from_list`, `take_task`, `decide_on_page`, `download`):
  the pages in Chromium, for tests/browser only (their fixtures: tests/browser/conftest.py).
"""

import concurrent.futures
import datetime
import hashlib
import io
import subprocess
import threading

import pypdfium2
import zxingcpp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Locator, Page, expect
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from viewflow.workflow.models import Task

from approvals import documents, procedure
from approvals.flows import IssuanceFlow
from approvals.models import (
    Application,
    Case,
    CaseDocument,
    ChangeRequest,
    Material,
    Outcome,
    event_details,
)
from approvals.procedure import pdf_upload, sample_pdf
from issuers.file_structure import to_json
from issuers.models import Issuer

__all__ = ["pdf_upload", "procedure", "sample_pdf"]

# The province that examines each municipal persona's cases.
PROVINCE_OF = {"hangzhou": "zhejiang", "ningbo": "zhejiang", "shenzhen": "guangdong"}

APPLICATION_DATA = {
    "contact_person": "张明",
    "contact_phone": "0571-8888 0000",
    "cardholder_categories": ["employees", "residents"],
    "cardholder_population": "insured employees and residents",
    "planned_quantity": "1000000",
    "card_supplier": "Eastcompeace",
    "card_product": "EW-SSC3",
    "spec_version": "3.00",
    # Three months ahead of whenever the tests run: a start in the past is refused.
    "planned_start": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
}


# A DF that the national file structure does not have, for change requests.
NEW_DF = {
    "path": "3F00/DF05",
    "level": "DF",
    "name": "工伤保险",
    "aid": "D15600000505",
    "ef_type": "",
    "records": "",
}


# --- Through the actions ------------------------------------------------------------------


def applied(personas: dict, persona: str, **fields: object) -> Application:
    """persona's complete application, submitted."""
    return procedure.apply(personas[persona], **{**APPLICATION_DATA, **fields})


def passed_examination(personas: dict, persona: str, **fields: object) -> Application:
    """persona's application, past the provincial examination if it needs one."""
    application = applied(personas, persona, **fields)
    if persona in PROVINCE_OF:
        examiner = personas[PROVINCE_OF[persona]]
        procedure.decide(application, IssuanceFlow.provincial_examination, examiner, Outcome.PASS)
    return application


def approved(personas: dict, persona: str, **fields: object) -> Application:
    """persona's application approved by the Ministry, its issuer ID allocated."""
    application = passed_examination(personas, persona, **fields)
    procedure.decide(application, IssuanceFlow.ministry_review, personas["ministry"], Outcome.PASS)
    return application


def filed(personas: dict, persona: str, reference: str = "", **fields: object) -> Application:
    """persona's application approved and filed with the registration centre."""
    application = approved(personas, persona, **fields)
    reference = reference or f"ICRC-{persona.upper()}"
    procedure.file(application, personas["ministry"], reference)
    application.refresh_from_db()
    assert application.status == Application.Status.FILED
    return application


def filed_issuer(personas: dict, persona: str) -> Issuer:
    """An issuer of persona's department: applied, examined if municipal, approved, filed."""
    issuer = filed(personas, persona).issuer
    assert issuer.status == Issuer.Status.FILED
    return issuer


def changed(personas: dict, persona: str, issuer: Issuer, **fields: object) -> ChangeRequest:
    """A change request of persona's issuer, edited and submitted."""
    change = procedure.request_change(
        issuer, personas[persona], **{"description": "a change", **fields}
    )
    return procedure.submit_change(change, personas[persona])


# --- Over HTTP -----------------------------------------------------------------------------


def create_draft(client: Client, **overrides: str) -> Application:
    response = client.post("/cases/new/", {**APPLICATION_DATA, **overrides})
    assert response.status_code == 302, response.content[:500]
    return Application.objects.latest("pk")


def upload(client: Client, application: Application, kind: str, file: object = None) -> object:
    return client.post(
        f"/cases/{application.pk}/materials/", {"kind": kind, "file": file or pdf_upload()}
    )


def upload_all(client: Client, application: Application) -> None:
    for kind in Material.Kind.values:
        assert upload(client, application, kind).status_code == 302


def submit(client: Client, application: Application) -> object:
    return client.post(f"/cases/{application.pk}/submit/")


def apply(client: Client, **overrides: str) -> Application:
    application = create_draft(client, **overrides)
    upload_all(client, application)
    assert submit(client, application).status_code == 302
    application.refresh_from_db()
    assert application.status != Application.Status.DRAFT
    return application


def shown_details(case: Case, action: str) -> list[str]:
    """The timeline details of case's `action` events, as the timeline shows them."""
    events = case.events.filter(action=action).order_by("pk")
    return [event_details.shown(event, case) for event in events]


def open_task(case: Case, node: object) -> Task:
    return procedure.open_task(case, node)


def task_url(case: Case, node: object, action: str) -> str:
    task = open_task(case, node)
    return node.reverse(action, args=[case.process.pk, task.pk])


def act(client: Client, case: Case, node: object, data: dict) -> object:
    """Take the task and execute it; returns the execute response."""
    task = open_task(case, node)
    if task.owner_id is None:
        response = client.post(task_url(case, node, "assign"))
        assert response.status_code == 302, response.status_code
    return client.post(task_url(case, node, "execute"), data)


def decide(client: Client, case: Case, node: object, outcome: str, reasons: str = "") -> object:
    response = act(client, case, node, {"outcome": outcome, "reasons": reasons})
    case.refresh_from_db()
    return response


def file_with_registry(
    client: Client, application: Application, reference: str = "ICRC-1"
) -> object:
    response = act(
        client,
        application,
        IssuanceFlow.registry_filing,
        {
            "reference": reference,
            "filing_date": timezone.localdate().isoformat(),
            "receipt": pdf_upload("r.pdf"),
        },
    )
    application.refresh_from_db()
    return response


def start_change(client: Client, issuer: Issuer) -> ChangeRequest:
    """Request a change from the issuer page: a draft copy of the registered version."""
    existing = list(issuer.change_requests.values_list("pk", flat=True))
    response = client.post(f"/changes/new/{issuer.pk}/")
    created = issuer.change_requests.exclude(pk__in=existing)
    assert response.status_code == 302
    assert created.count() == 1, "the change request was not started"
    change = created.get()
    assert response.url == f"/changes/{change.pk}/"
    return change


def edit_change(client: Client, change: ChangeRequest, **fields) -> ChangeRequest:
    data = {name: getattr(change, name) for name in ChangeRequest.EDITABLE_FIELDS}
    data["description"] = data["description"] or "变更 / a change"
    response = client.post(f"/changes/{change.pk}/edit/", {**data, **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    change.refresh_from_db()
    return change


def request_change(client: Client, issuer: Issuer, **fields) -> ChangeRequest:
    """Start a change request and edit its fields (description filled in)."""
    return edit_change(client, start_change(client, issuer), **fields)


def upload_surface(client: Client, change: ChangeRequest, upload=None) -> ChangeRequest:
    response = client.post(f"/changes/{change.pk}/surface/", {"surface": upload or png_upload()})
    assert response.status_code == 302
    change.refresh_from_db()
    return change


def post_node(client: Client, change: ChangeRequest, **node):
    data = {f"node-{key}": value for key, value in {**NEW_DF, **node}.items()}
    return client.post(f"/changes/{change.pk}/structure/node/", data)


def add_node(client: Client, change: ChangeRequest, **node) -> ChangeRequest:
    assert post_node(client, change, **node).status_code == 302
    change.refresh_from_db()
    return change


def save_structure(client: Client, change: ChangeRequest, structure):
    """POST the JSON form, as the page's textarea sends it."""
    text = structure if isinstance(structure, str) else to_json(structure)
    response = client.post(f"/changes/{change.pk}/structure/", {"structure": text})
    change.refresh_from_db()
    return response


def submit_change(client: Client, change: ChangeRequest):
    response = client.post(f"/changes/{change.pk}/submit/")
    assert response.status_code == 302
    change.refresh_from_db()
    return response


def withdraw_change(client: Client, change: ChangeRequest):
    response = client.post(f"/changes/{change.pk}/withdraw/")
    change.refresh_from_db()
    return response


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def login(user: AbstractBaseUser) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png_upload(name: str = "surface.png", colour: tuple = (200, 16, 46)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 5), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def race(*calls) -> list:
    """Run each call in its own thread, all released together; returns results or exceptions
    (PostgreSQL tests: each thread has its own connection, closed when it ends)."""
    results: list = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def worker(index: int) -> None:
        try:
            start.wait(timeout=10)
            results[index] = calls[index]()
        except Exception as error:  # noqa: BLE001 - the test reports it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not [r for r in results if isinstance(r, Exception)], results
    return results


# --- Issued documents, read as a recipient reads them ---------------------------------------


def pypdf_text(pdf: bytes) -> str:
    return "".join(
        "".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages
    )


def poppler_text(pdf: bytes) -> str:
    result = subprocess.run(  # noqa: S603 - a fixed command on bytes we made
        ["/usr/bin/pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return "".join(result.stdout.decode().split())


def qr_payloads(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for index in range(len(document)):
        image = document[index].render(scale=3).to_pil()
        found += [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    return found


def signature_status(pdf: bytes):
    """pyHanko's validation of the PDF's signature against the test key's certificate. In a
    thread of its own: pyHanko runs an event loop, and this thread may already run one."""
    _, _, der = pem.unarmor(open(settings.DOCUMENT_SIGNING_CERT, "rb").read())
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)])
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(validate_pdf_signature, signature, context).result()


def assert_served_as_issued(document: CaseDocument, pdf: bytes, *needles: str) -> None:
    """The face, the QR code, the printed code and the signature of one served document."""
    for text in (pypdf_text(pdf), poppler_text(pdf)):
        for needle in (document.number, chinese_date(), document.addressee, *needles):
            assert "".join(needle.split()) in text, needle
        assert document.verification_code in text
        if document.copy_to:
            assert f"抄送：{document.copy_to}" in text
    url = documents.verification_url(document.verification_code)
    assert qr_payloads(pdf) == [url]
    status = signature_status(pdf)
    assert status.intact and status.valid and status.trusted
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()


def chinese_date() -> str:
    today = timezone.localdate()
    return f"{today.year}年{today.month}月{today.day}日"


# --- In the browser (tests/browser) ---------------------------------------------------------


def card(page: Page, title: str) -> Locator:
    """The card of a case page (or task page) with this heading."""
    return page.locator(".case-card", has=page.get_by_role("heading", name=title, exact=True))


def menu(page: Page, item: str) -> Locator:
    """An entry of the menu at the side of every page."""
    return page.get_by_role("navigation").get_by_role("link", name=item, exact=True)


def open_from_list(page: Page, list_url: str, reference: str) -> None:
    """Open a case from its list, as an official finds it."""
    page.goto(list_url)
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def take_task(page: Page, step: str) -> None:
    """Take the open step's task from the case page; its form opens."""
    steps = card(page, "Open steps")
    expect(steps).to_contain_text(step)
    # Steps running side by side (keys and PSAM cards) each have their own button.
    steps.locator(".actions", has_text=step).get_by_role("button", name="Take this task").click()
    expect(page.get_by_role("button", name="Confirm")).to_be_visible()


def decide_on_page(page: Page, outcome: str, reasons: str = "") -> None:
    """Record the decision on a task page that is open, back to the case page."""
    page.get_by_label(outcome).check()
    if reasons:
        page.get_by_label("Reasons").fill(reasons)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_have_text("Done. The case has moved on.")


def download(page: Page, link: str) -> bytes:
    """What the browser saves when the link is clicked."""
    with page.expect_download() as started:
        page.get_by_role("link", name=link).click()
    return started.value.path().read_bytes()


def pdf_text(data: bytes) -> str:
    """The text of a PDF, as a PDF reader extracts it; fails on anything else."""
    assert data.startswith(b"%PDF-"), data[:40]
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
