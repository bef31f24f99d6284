"""Forms take only their own fields and files; steps happen only in order."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application, ChangeRequest, Material
from approvals.procedure import sample_pdf
from tests.helpers import (
    act,
    applied,
    apply,
    create_draft,
    decide,
    filed_issuer,
    pdf_upload,
    start_change,
    task_url,
    upload,
)


def test_a_material_keeps_at_most_the_configured_number_of_versions(client_for, settings):
    settings.MATERIAL_MAX_VERSIONS = 2
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    for _ in range(3):
        response = upload(hangzhou, draft, Material.Kind.CARD_SURFACE)
    assert "the most one case may keep" in hangzhou.get(response.url).content.decode()
    assert draft.materials.count() == 2


def test_a_request_with_many_files_is_refused(client_for):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    files = [SimpleUploadedFile(f"{n}.pdf", sample_pdf("x"), "application/pdf") for n in range(3)]
    response = hangzhou.post(
        f"/cases/{draft.pk}/materials/",
        {"kind": "form", "file": files[0], "a": files[1], "b": files[2]},
    )
    assert response.status_code == 400
    assert not Material.objects.exists()


def test_extra_fields_on_the_change_request_form_change_nothing(client_for, personas):
    issuer = filed_issuer(personas, "zhejiang")
    zhejiang = client_for("zhejiang")
    change = start_change(zhejiang, issuer)
    fields = {f: getattr(change, f) for f in ChangeRequest.EDITABLE_FIELDS}
    extra = {
        "status": "approved",
        "route": "filing",
        "change_kinds": '["surface"]',
        "issuer": "999",
        "test_cards_required": "on",
        "base_version": "999",
    }
    zhejiang.post(f"/changes/{change.pk}/edit/", {**fields, **extra, "description": "Why."})
    change.refresh_from_db()
    assert change.description == "Why."
    assert change.status == ChangeRequest.Status.DRAFT
    assert change.change_kinds == [] and change.route == ""
    assert change.issuer == issuer and not change.test_cards_required


def test_extra_fields_on_a_decision_change_nothing_but_the_decision(client_for):
    application = apply(client_for("hangzhou"))
    response = act(
        client_for("zhejiang"),
        application,
        Flow.provincial_examination,
        {"outcome": "return", "reasons": "Fix.", "status": "approved", "issuer_id": "X"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    assert not hasattr(application, "issuer") or application.issuer is None


def test_a_done_step_cannot_be_executed_again(client_for, personas):
    application = applied(personas, "hangzhou")
    zhejiang = client_for("zhejiang")
    decide(zhejiang, application, Flow.provincial_examination, "pass")
    task = application.process.task_set.get(flow_task=Flow.provincial_examination)
    url = Flow.provincial_examination.reverse("execute", args=[application.process.pk, task.pk])
    # Refused, with who did it and when (tests/approvals/test_task_conflicts.py).
    assert zhejiang.post(url, {"outcome": "reject", "reasons": "Again."}).status_code == 409
    application.refresh_from_db()
    assert application.status == Application.Status.MINISTRY_REVIEW


def test_a_task_must_be_taken_before_it_is_executed(client_for):
    application = apply(client_for("guangdong"))
    ministry = client_for("ministry")
    response = ministry.post(
        task_url(application, Flow.ministry_review, "execute"), {"outcome": "pass"}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Application.Status.MINISTRY_REVIEW


def test_there_is_no_way_to_file_before_approval(client_for):
    application = apply(client_for("guangdong"))
    assert not application.process.task_set.filter(flow_task=Flow.registry_filing).exists()
    assert client_for("ministry").get(f"/cases/{application.pk}/filing-form.pdf").status_code == 404


def test_a_task_id_under_another_flows_urls_is_not_found(client_for):
    application = apply(client_for("guangdong"))
    task = application.process.task_set.get(flow_task=Flow.ministry_review)
    url = f"/change/{application.process.pk}/ministry_review/{task.pk}/assign/"
    assert client_for("ministry").post(url).status_code == 404
    task.refresh_from_db()
    assert task.owner is None


def test_extra_fields_on_the_filing_and_correction_forms_change_nothing(client_for):
    application = apply(client_for("guangdong"))
    ministry = client_for("ministry")
    decide(ministry, application, Flow.ministry_review, "pass")
    issuer_id = application.issuer.issuer_id
    data = {
        "reference": "ICRC-9",
        "filing_date": timezone.localdate().isoformat(),
        "receipt": pdf_upload("r.pdf"),
        "issuer_id": "0000000000000",
        "serial": "999",
        "status": "draft",
    }
    assert act(ministry, application, Flow.registry_filing, data).status_code == 302
    application.refresh_from_db()
    application.issuer.refresh_from_db()
    assert application.status == Application.Status.FILED
    assert application.issuer.issuer_id == issuer_id and application.issuer.serial == 1

    other = apply(client_for("zhejiang"))
    decide(ministry, other, Flow.ministry_review, "return", "Fix.")
    zhejiang = client_for("zhejiang")
    act(zhejiang, other, Flow.correction, {"note": "Done.", "status": "approved"})
    other.refresh_from_db()
    assert other.status == Application.Status.MINISTRY_REVIEW


def test_removing_only_the_object_permission_ends_access_to_the_task(client_for, personas):
    from guardian.shortcuts import remove_perm

    application = apply(client_for("hangzhou"))
    zhejiang = client_for("zhejiang")
    assert (
        zhejiang.post(task_url(application, Flow.provincial_examination, "assign")).status_code
        == 302
    )
    department = personas["zhejiang"].membership.department
    remove_perm("issuers.examine_application", personas["zhejiang"], department)
    response = zhejiang.post(
        task_url(application, Flow.provincial_examination, "execute"), {"outcome": "pass"}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Application.Status.PROVINCIAL_EXAMINATION


def test_uploaded_files_have_no_public_url(client_for):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    upload(hangzhou, draft, Material.Kind.CARD_SURFACE)
    material = Material.objects.get()
    for prefix in ("/media/", "/"):
        assert hangzhou.get(prefix + material.file.name).status_code == 404
