"""Uploading the six materials: what is accepted, what is refused (the type is read from the
content, and a PDF is read as a PDF reader reads it), and what is kept."""

import base64
import binascii
import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter

from approvals.models import Application, CaseEvent, Material
from approvals.procedure import sample_pdf
from tests.helpers import applied, create_draft, pdf_upload, shown_details, submit, upload

Status = Application.Status
Kind = Material.Kind

NOT_ACCEPTED = "Only PDF documents and PNG or JPEG images are accepted"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
ACTIVE_CONTENT = "This PDF contains active content"


@pytest.fixture
def hangzhou(client_for):
    return client_for("hangzhou")


@pytest.fixture
def draft(hangzhou) -> Application:
    return create_draft(hangzhou)


def upload_page(client, application, kind, file):
    """Upload and return the case page the applicant is sent back to."""
    response = client.post(
        f"/cases/{application.pk}/materials/", {"kind": kind, "file": file}, follow=True
    )
    assert response.redirect_chain == [(f"/cases/{application.pk}/", 302)]
    return response.content.decode()


def named_pdf(data: bytes, name: str = "x.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "application/pdf")


def pdf_with_catalog_entries(entries: bytes) -> bytes:
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    data = sample_pdf("active")
    assert catalog in data
    return data.replace(catalog, b"<< /Type /Catalog /Pages 2 0 R " + entries + b" >>")


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def noisy_image(fmt: str) -> bytes:
    """A 200 x 200 photo-like image: large enough to cut short past its headers."""
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 60).convert("RGB").save(buffer, format=fmt)
    return buffer.getvalue()


# --- Submission needs every material -------------------------------------------------------


def test_a_missing_material_blocks_submission(hangzhou, draft):
    for kind in Kind.values:
        if kind != Kind.LOCAL_RULES:
            assert upload(hangzhou, draft, kind).status_code == 302

    response = hangzhou.post(f"/cases/{draft.pk}/submit/", follow=True)

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.submitted_at is None
    page = response.content.decode()
    assert "cannot be submitted" in page
    assert str(Kind.LOCAL_RULES.label) in page
    assert not draft.events.filter(action=CaseEvent.Action.SUBMITTED).exists()


def test_with_every_material_the_draft_can_be_submitted(hangzhou, draft):
    for kind in Kind.values:
        upload(hangzhou, draft, kind)

    assert submit(hangzhou, draft).status_code == 302

    draft.refresh_from_db()
    assert draft.status == Status.PROVINCIAL_EXAMINATION


# --- The type is read from the content ----------------------------------------------------


@pytest.mark.parametrize(
    "content, name",
    [
        pytest.param(EXE, "x.pdf", id="exe"),
        pytest.param(b"Plain text, not a PDF at all.\n" * 5, "x.pdf", id="text"),
        pytest.param(
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            "x.pdf",
            id="html",
        ),
        pytest.param(
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
            "x.pdf",
            id="svg",
        ),
        pytest.param(EXE, "x.pdf.exe", id="double-extension"),
        pytest.param(EXE, "scan.png", id="exe-as-png"),
    ],
)
def test_a_file_disguised_as_a_pdf_or_image_is_refused(hangzhou, draft, content, name):
    events = draft.events.count()

    page = upload_page(hangzhou, draft, Kind.APPLICATION_FORM, named_pdf(content, name))

    assert NOT_ACCEPTED in page
    assert not Material.objects.exists()
    assert draft.events.count() == events


@pytest.mark.parametrize(
    "entries, name",
    [
        pytest.param(
            b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", "JavaScript", id="plain"
        ),
        pytest.param(b"/Names << /J#61vaScript 6 0 R >>", "JavaScript", id="hex-escaped"),
        pytest.param(
            b"/Names << /#4A#61#76#61#53#63#72#69#70#74 6 0 R >>", "JavaScript", id="all-hex"
        ),
        pytest.param(b"/OpenAction << /S /Launch /F (cmd.exe) >>", "Launch", id="launch"),
    ],
)
def test_a_pdf_with_active_content_is_refused(hangzhou, draft, entries, name):
    page = upload_page(
        hangzhou, draft, Kind.APPLICATION_FORM, named_pdf(pdf_with_catalog_entries(entries))
    )

    assert ACTIVE_CONTENT in page
    assert name in page
    assert not Material.objects.exists()


def pdf_with_encoded_object_stream(catalog: bytes, filters: bytes, encode) -> bytes:
    """A PDF 1.5 whose catalog sits in an object stream encoded with the given filters (with
    an xref stream); Flate is what many PDF writers produce by default."""
    out = bytearray(b"%PDF-1.5\n")
    offsets = {}

    def add(number: int, body: bytes) -> None:
        offsets[number] = len(out)
        out.extend(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")

    add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    packed = encode(b"1 0 " + catalog)
    add(
        4,
        b"<< /Type /ObjStm /N 1 /First 4 /Filter %s /Length %d >>\nstream\n%s\nendstream"
        % (filters, len(packed), packed),
    )
    offsets[5] = len(out)
    rows = [b"\x00\x00\x00\xff", b"\x02\x00\x04\x00"]  # free head; obj 1 in ObjStm 4
    rows += [b"\x01" + offsets[n].to_bytes(2, "big") + b"\x00" for n in (2, 3, 4, 5)]
    table = zlib.compress(b"".join(rows))
    out.extend(
        b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 2 1] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(table), table)
    )
    out.extend(b"startxref\n%d\n%%%%EOF\n" % offsets[5])
    return bytes(out)


@pytest.mark.parametrize(
    "filters, encode",
    [
        pytest.param(b"/FlateDecode", zlib.compress, id="flate"),
        pytest.param(b"/ASCIIHexDecode", lambda d: binascii.hexlify(d) + b">", id="hex"),
        pytest.param(b"/ASCII85Decode", lambda d: base64.a85encode(d) + b"~>", id="ascii85"),
    ],
)
def test_a_pdf_hiding_javascript_in_an_encoded_object_stream_is_refused(
    hangzhou, draft, filters, encode
):
    data = pdf_with_encoded_object_stream(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        filters,
        encode,
    )
    # A PDF reader does find the action that runs on opening.
    action = PdfReader(io.BytesIO(data)).trailer["/Root"]["/OpenAction"]
    assert action["/S"] == "/JavaScript"

    page = upload_page(hangzhou, draft, Kind.APPLICATION_FORM, named_pdf(data))

    assert ACTIVE_CONTENT in page
    assert not Material.objects.exists()


def pdf_with_gray_image(pixels: bytes) -> bytes:
    """A one-page PDF showing an uncompressed 8-bit grayscale image, one row of pixels."""
    content = b"q %d 0 0 1 0 0 cm /Im1 Do Q" % len(pixels)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height 1 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream"
        % (len(pixels), len(pixels), pixels),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.mark.parametrize("pixels", [b"\x10/AA\x00\x20", b"\x10/JS\x00\x20"], ids=["AA", "JS"])
def test_a_plain_scan_whose_pixels_look_like_a_name_is_accepted(hangzhou, draft, pixels):
    """The check reads the PDF as a reader does: image bytes are not names."""
    data = pdf_with_gray_image(pixels)
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    assert page.images[0].image.tobytes() == pixels
    assert "/AA" not in page and "/OpenAction" not in reader.trailer["/Root"]

    text = upload_page(hangzhou, draft, Kind.APPLICATION_FORM, named_pdf(data))

    assert "uploaded (version 1)" in text
    assert draft.materials.get().content_type == "application/pdf"


def test_an_encrypted_pdf_is_refused_with_a_clear_message(hangzhou, draft):
    writer = PdfWriter(clone_from=io.BytesIO(sample_pdf("secret")))
    writer.encrypt(user_password="", owner_password="owner")  # opens without a password
    buffer = io.BytesIO()
    writer.write(buffer)

    page = upload_page(hangzhou, draft, Kind.APPLICATION_FORM, named_pdf(buffer.getvalue()))

    assert "This PDF is encrypted or password-protected" in page
    assert not Material.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"%PDF-1.4\nnothing here at all\n", id="no-objects"),
        pytest.param(sample_pdf("cut short")[:200], id="truncated"),
    ],
)
def test_an_unreadable_pdf_is_refused_with_a_clear_message(hangzhou, draft, content):
    page = upload_page(hangzhou, draft, Kind.APPLICATION_FORM, named_pdf(content))

    assert "This PDF could not be read" in page
    assert not Material.objects.exists()


def test_a_plain_pdf_is_accepted(hangzhou, draft):
    page = upload_page(hangzhou, draft, Kind.APPLICATION_FORM, pdf_upload("form.pdf"))

    assert "uploaded (version 1)" in page
    material = draft.materials.get()
    assert material.content_type == "application/pdf"
    assert material.original_name == "form.pdf"


# --- Size ----------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused(hangzhou, draft, settings):
    data = sample_pdf("big")
    settings.MATERIAL_MAX_BYTES = len(data) - 1

    page = upload_page(hangzhou, draft, Kind.APPLICATION_FORM, named_pdf(data))

    assert "The file is too large" in page
    assert not Material.objects.exists()


def test_a_file_exactly_at_the_size_limit_is_accepted(hangzhou, draft, settings):
    data = sample_pdf("exact")
    settings.MATERIAL_MAX_BYTES = len(data)

    upload_page(hangzhou, draft, Kind.APPLICATION_FORM, named_pdf(data))

    assert draft.materials.get().size == len(data)


# --- Images --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, content_type, extension",
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg")],
)
def test_png_and_jpeg_images_are_accepted(hangzhou, draft, fmt, content_type, extension):
    data = image(fmt)
    file = SimpleUploadedFile(f"surface.{extension}", data, content_type)

    upload_page(hangzhou, draft, Kind.CARD_SURFACE, file)

    material = draft.materials.get()
    assert material.content_type == content_type
    download = hangzhou.get(f"/cases/{draft.pk}/materials/{material.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"].endswith(f'-surface-v1.{extension}"')
    assert b"".join(download.streaming_content) == data


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200, id="jpeg-header-only"),
        pytest.param(b"\xff\xd8\xff\xdb" + b"MZ\x90\x00" * 100, id="jpeg-header-then-exe"),
        pytest.param(noisy_image("JPEG")[:-2000], id="jpeg-cut-short"),
        pytest.param(noisy_image("PNG")[:-2000], id="png-cut-short"),
    ],
)
def test_an_image_that_does_not_decode_in_full_is_refused(hangzhou, draft, content):
    file = SimpleUploadedFile("surface.jpg", content, "image/jpeg")

    page = upload_page(hangzhou, draft, Kind.CARD_SURFACE, file)

    assert "This image could not be read in full" in page
    assert not Material.objects.exists()


def test_an_image_with_a_pdf_name_is_stored_as_what_it_is(hangzhou, draft):
    upload_page(hangzhou, draft, Kind.CARD_SURFACE, named_pdf(image("PNG"), "surface.pdf"))

    assert draft.materials.get().content_type == "image/png"


# --- Versions ------------------------------------------------------------------------------


def test_replacing_a_material_keeps_the_earlier_version(hangzhou, draft):
    first, second = sample_pdf("first version"), sample_pdf("second version")
    upload(hangzhou, draft, Kind.PREPARATIONS, named_pdf(first, "v1.pdf"))
    upload(hangzhou, draft, Kind.PREPARATIONS, named_pdf(second, "v2.pdf"))

    versions = {m.version: m for m in draft.materials.filter(kind=Kind.PREPARATIONS)}
    assert sorted(versions) == [1, 2]
    assert draft.current_materials()[Kind.PREPARATIONS].pk == versions[2].pk
    for version, data in ((1, first), (2, second)):
        response = hangzhou.get(f"/cases/{draft.pk}/materials/{versions[version].pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == data
    page = hangzhou.get(f"/cases/{draft.pk}/").content.decode()
    assert "v2.pdf</a> (v2," in page
    assert f'href="/cases/{draft.pk}/materials/{versions[1].pk}/"' in page


def test_the_number_of_versions_is_limited(hangzhou, draft, settings):
    settings.MATERIAL_MAX_VERSIONS = 2
    upload(hangzhou, draft, Kind.OTHER)
    upload(hangzhou, draft, Kind.OTHER)

    page = upload_page(hangzhou, draft, Kind.OTHER, pdf_upload())

    assert "already has 2 versions" in page
    assert draft.materials.count() == 2


# --- Downloads -----------------------------------------------------------------------------


def test_a_download_is_an_attachment_that_is_not_sniffed(hangzhou, draft):
    upload(hangzhou, draft, Kind.APPLICATION_FORM, pdf_upload("<script>.pdf"))
    material = draft.materials.get()

    response = hangzhou.get(f"/cases/{draft.pk}/materials/{material.pk}/")

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # The stored name never comes from the uploader.
    assert "script" not in disposition
    assert disposition.endswith(f'{draft.reference}-form-v1.pdf"')


def test_stored_file_names_are_made_by_the_server(hangzhou, draft):
    evil = SimpleUploadedFile("../../etc/passwd.pdf", sample_pdf("x"), "application/pdf")
    upload(hangzhou, draft, Kind.APPLICATION_FORM, evil)

    material = Material.objects.get()
    assert "passwd" not in material.file.name
    assert material.file.name.startswith(f"materials/{draft.pk}/")


def test_a_material_of_another_case_is_404_under_this_case(client_for, hangzhou, draft):
    upload(hangzhou, draft, Kind.APPLICATION_FORM)
    other = create_draft(client_for("ningbo"))
    upload(client_for("ningbo"), other, Kind.APPLICATION_FORM)
    own = draft.materials.get()

    # The material id must belong to the case in the URL.
    assert hangzhou.get(f"/cases/{other.pk}/materials/{own.pk}/").status_code == 404


# --- Once submitted, materials are frozen --------------------------------------------------


def test_materials_cannot_be_changed_once_submitted(hangzhou, personas):
    application = applied(personas, "hangzhou")
    before = set(application.materials.values_list("pk", flat=True))
    events = application.events.count()

    page = upload_page(hangzhou, application, Kind.APPLICATION_FORM, pdf_upload("late.pdf"))

    assert "Materials can only be changed while the application is editable" in page
    assert set(application.materials.values_list("pk", flat=True)) == before
    assert application.materials.filter(kind=Kind.APPLICATION_FORM).get().version == 1
    assert application.events.count() == events


# --- Timeline ------------------------------------------------------------------------------


def test_every_upload_adds_an_event_to_the_timeline(hangzhou, draft):
    upload(hangzhou, draft, Kind.FILE_STRUCTURE, pdf_upload("structure.pdf"))
    upload(hangzhou, draft, Kind.FILE_STRUCTURE, pdf_upload("structure-2.pdf"))
    upload(hangzhou, draft, Kind.CARD_SURFACE, SimpleUploadedFile("s.png", image("PNG")))

    events = list(draft.events.filter(action=CaseEvent.Action.MATERIAL_UPLOADED).order_by("pk"))

    assert len(events) == 3
    assert shown_details(draft, CaseEvent.Action.MATERIAL_UPLOADED) == [
        f"{Kind.FILE_STRUCTURE.label} v1: structure.pdf",
        f"{Kind.FILE_STRUCTURE.label} v2: structure-2.pdf",
        f"{Kind.CARD_SURFACE.label} v1: s.png",
    ]
    assert all(e.actor.username == "hangzhou" for e in events)
    assert all(e.status_after == Status.DRAFT for e in events)
    page = hangzhou.get(f"/cases/{draft.pk}/").content.decode()
    assert "structure-2.pdf" in page
