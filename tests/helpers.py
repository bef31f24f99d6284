"""Steps of the procedure, done over HTTP the way each official does them."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from approvals.demo import sample_pdf
from approvals.flows import IssuanceFlow
from approvals.models import Application, Material

APPLICATION_DATA = {
    "contact_person": "张明",
    "contact_phone": "0571-8888 0000",
    "cardholder_population": "insured employees and residents",
    "planned_quantity": "1000000",
    "card_supplier": "Eastcompeace",
    "card_product": "EW-SSC3",
    "spec_version": "3.00",
    "planned_start": "2027-03-01",
}


def pdf_upload(name: str = "material.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sample_pdf(name), "application/pdf")


def create_draft(client: Client, **overrides: str) -> Application:
    response = client.post("/cases/new/", {**APPLICATION_DATA, **overrides})
    assert response.status_code == 302, response.content[:500]
    return Application.objects.latest("pk")


def upload(client: Client, application: Application, kind: str, file=None):  # noqa: ANN001, ANN201
    return client.post(
        f"/cases/{application.pk}/materials/", {"kind": kind, "file": file or pdf_upload()}
    )


def upload_all(client: Client, application: Application) -> None:
    for kind in Material.Kind.values:
        assert upload(client, application, kind).status_code == 302


def submit(client: Client, application: Application):  # noqa: ANN201
    return client.post(f"/cases/{application.pk}/submit/")


def apply(client: Client, **overrides: str) -> Application:
    application = create_draft(client, **overrides)
    upload_all(client, application)
    assert submit(client, application).status_code == 302
    application.refresh_from_db()
    assert application.status != Application.Status.DRAFT
    return application


def open_task(application: Application, node):  # noqa: ANN001, ANN201
    return application.process.task_set.get(flow_task=node, status__in=["NEW", "ASSIGNED"])


def task_url(application: Application, node, action: str) -> str:  # noqa: ANN001
    task = open_task(application, node)
    return node.reverse(action, args=[application.process.pk, task.pk])


def act(client: Client, application: Application, node, data: dict):  # noqa: ANN001, ANN201
    """Take the task and execute it; returns the execute response."""
    task = open_task(application, node)
    if task.owner_id is None:
        response = client.post(task_url(application, node, "assign"))
        assert response.status_code == 302, response.status_code
    return client.post(task_url(application, node, "execute"), data)


def decide(client: Client, application: Application, node, outcome: str, reasons: str = ""):  # noqa: ANN001, ANN201
    response = act(client, application, node, {"outcome": outcome, "reasons": reasons})
    application.refresh_from_db()
    return response


def file_with_registry(client: Client, application: Application, reference: str = "ICRC-1"):  # noqa: ANN201
    response = act(
        client,
        application,
        IssuanceFlow.registry_filing,
        {"reference": reference, "filing_date": "2026-11-20", "receipt": pdf_upload("r.pdf")},
    )
    application.refresh_from_db()
    return response
