"""Uploads beyond tests/approvals/test_uploads.py: more disguises, and server-made names."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.models import Material
from approvals.procedure import sample_pdf
from tests.helpers import create_draft, upload

EXE = b"MZ\x90\x00\x03" + b"\x00" * 100


@pytest.fixture
def hangzhou(client_for):
    return client_for("hangzhou")


@pytest.fixture
def draft(hangzhou):
    return create_draft(hangzhou)


@pytest.mark.parametrize(
    "content,name",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>', "x.pdf"),
        (EXE, "x.pdf.exe"),
        (EXE, "scan.png"),
    ],
    ids=["svg-as-pdf", "double-extension", "exe-as-png"],
)
def test_disguised_files_are_refused(hangzhou, draft, content, name):
    fake = SimpleUploadedFile(name, content, "application/pdf")
    response = upload(hangzhou, draft, Material.Kind.APPLICATION_FORM, fake)
    assert (
        "Only PDF documents and PNG or JPEG images" in hangzhou.get(response.url).content.decode()
    )
    assert not Material.objects.exists()


def test_stored_names_are_generated_by_the_server(hangzhou, draft):
    evil = SimpleUploadedFile("../../etc/passwd.pdf", sample_pdf("x"), "application/pdf")
    upload(hangzhou, draft, Material.Kind.APPLICATION_FORM, evil)
    material = Material.objects.get()
    assert "passwd" not in material.file.name
    assert material.file.name.startswith(f"materials/{draft.pk}/")
