"""The six materials: required, checked by content, kept in versions."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from approvals.demo import sample_pdf
from approvals.models import Application, CaseEvent, Material
from tests.helpers import apply, create_draft, submit, upload, upload_all


@pytest.fixture
def hangzhou(client_for):
    return client_for("hangzhou")


@pytest.fixture
def draft(hangzhou):
    return create_draft(hangzhou)


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, kind)
    return buffer.getvalue()


def test_a_missing_material_blocks_submission(hangzhou, draft):
    for kind in Material.Kind.values[:-1]:
        upload(hangzhou, draft, kind)
    response = submit(hangzhou, draft)
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
    page = hangzhou.get(response.url).content.decode()
    assert "missing Other materials required by the Ministry" in page


@pytest.mark.parametrize(
    "content",
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 100, "x.pdf"),
        (b"just some text", "x.pdf"),
        (b"<html><script>x</script></html>", "x.pdf"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>', "x.pdf"),
        (b"MZ\x90\x00\x03" + b"\x00" * 100, "x.pdf.exe"),
    ],
    ids=["exe", "text", "html", "svg", "pdf.exe"],
)
def test_a_renamed_non_pdf_is_refused(hangzhou, draft, content):
    content, name = content
    fake = SimpleUploadedFile(name, content, "application/pdf")
    response = upload(hangzhou, draft, Material.Kind.APPLICATION_FORM, fake)
    assert (
        "Only PDF documents and PNG or JPEG images" in hangzhou.get(response.url).content.decode()
    )
    assert not Material.objects.exists()


@pytest.mark.parametrize("name", [b"/JavaScript", b"/J#61vaScript", b"/OpenAction", b"/Launch"])
def test_a_pdf_with_active_content_is_refused(hangzhou, draft, name):
    content = sample_pdf("x").replace(b"/Type /Catalog", b"/Type /Catalog " + name + b" 2 0 R")
    fake = SimpleUploadedFile("x.pdf", content, "application/pdf")
    response = upload(hangzhou, draft, Material.Kind.APPLICATION_FORM, fake)
    assert "active content" in hangzhou.get(response.url).content.decode()
    assert not Material.objects.exists()


def test_a_file_over_the_size_limit_is_refused(hangzhou, draft, settings):
    settings.MATERIAL_MAX_BYTES = 100
    response = upload(hangzhou, draft, Material.Kind.APPLICATION_FORM)
    assert "too large" in hangzhou.get(response.url).content.decode()
    assert not Material.objects.exists()


@pytest.mark.parametrize("kind,mime", [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_images_are_accepted(hangzhou, draft, kind, mime):
    picture = SimpleUploadedFile("surface.bin", image(kind), "application/octet-stream")
    upload(hangzhou, draft, Material.Kind.CARD_SURFACE, picture)
    assert Material.objects.get().content_type == mime


def test_replacing_a_material_keeps_the_earlier_version(hangzhou, draft):
    upload(hangzhou, draft, Material.Kind.CARD_SURFACE)
    upload(hangzhou, draft, Material.Kind.CARD_SURFACE)
    first, second = Material.objects.order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert draft.current_materials()[Material.Kind.CARD_SURFACE] == second
    for material in (first, second):
        response = hangzhou.get(f"/cases/{draft.pk}/materials/{material.pk}/")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    page = hangzhou.get(f"/cases/{draft.pk}/").content.decode()
    assert "v1" in page and "v2" in page


def test_stored_names_are_generated_by_the_server(hangzhou, draft):
    evil = SimpleUploadedFile("../../etc/passwd.pdf", sample_pdf("x"), "application/pdf")
    upload(hangzhou, draft, Material.Kind.APPLICATION_FORM, evil)
    material = Material.objects.get()
    assert "passwd" not in material.file.name
    assert material.file.name.startswith(f"materials/{draft.pk}/")


def test_materials_cannot_change_after_submission(client_for):
    hangzhou = client_for("hangzhou")
    application = apply(hangzhou)
    count = application.materials.count()
    upload(hangzhou, application, Material.Kind.CARD_SURFACE)
    assert application.materials.count() == count


def test_every_upload_is_on_the_timeline(hangzhou, draft):
    upload_all(hangzhou, draft)
    uploads = draft.events.filter(action=CaseEvent.Action.MATERIAL_UPLOADED)
    assert uploads.count() == 6
    assert all(event.actor.username == "hangzhou" for event in uploads)
