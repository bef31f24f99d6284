"""The PDF check reads a PDF as a reader does: hidden scripts are found whatever the
stream filters, and bytes of an image that merely look like a name never refuse a scan."""

import base64
import binascii
import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter

from approvals.models import Material
from approvals.procedure import sample_pdf
from tests.helpers import create_draft, upload

Kind = Material.Kind


@pytest.fixture
def hangzhou(client_for):
    return client_for("hangzhou")


@pytest.fixture
def draft(hangzhou):
    return create_draft(hangzhou)


def page_after(client, response) -> str:
    """The page the applicant is sent back to, with its messages."""
    assert response.status_code == 302
    return client.get(response.url).content.decode()


def as_pdf(content: bytes, name: str = "x.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/pdf")


def pdf_with_encoded_object_stream(catalog: bytes, filters: bytes, encode) -> bytes:
    """A PDF 1.5 whose catalog sits in an object stream encoded with the given filters."""
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
    rows = [b"\x00\x00\x00\xff", b"\x02\x00\x04\x00"]  # free head; object 1 in object stream 4
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
        pytest.param(b"/ASCIIHexDecode", lambda d: binascii.hexlify(d) + b">", id="hex"),
        pytest.param(b"/ASCII85Decode", lambda d: base64.a85encode(d) + b"~>", id="ascii85"),
    ],
)
def test_a_pdf_hiding_javascript_in_a_text_encoded_object_stream_is_refused(
    hangzhou, draft, filters, encode
):
    data = pdf_with_encoded_object_stream(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        filters,
        encode,
    )
    # A PDF reader does find the script that runs on opening.
    action = PdfReader(io.BytesIO(data)).trailer["/Root"]["/OpenAction"]
    assert action["/S"] == "/JavaScript"

    page = page_after(hangzhou, upload(hangzhou, draft, Kind.APPLICATION_FORM, as_pdf(data)))

    assert "This PDF contains active content" in page
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
    data = pdf_with_gray_image(pixels)
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    assert page.images[0].image.tobytes() == pixels
    assert "/AA" not in page and "/OpenAction" not in reader.trailer["/Root"]

    text = page_after(hangzhou, upload(hangzhou, draft, Kind.APPLICATION_FORM, as_pdf(data)))

    assert "uploaded (version 1)" in text
    assert draft.materials.get().content_type == "application/pdf"


def test_an_encrypted_pdf_is_refused_with_a_clear_message(hangzhou, draft):
    writer = PdfWriter(clone_from=io.BytesIO(sample_pdf("secret")))
    writer.encrypt(user_password="", owner_password="owner")  # opens without a password
    buffer = io.BytesIO()
    writer.write(buffer)

    page = page_after(
        hangzhou, upload(hangzhou, draft, Kind.APPLICATION_FORM, as_pdf(buffer.getvalue()))
    )

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
    page = page_after(hangzhou, upload(hangzhou, draft, Kind.APPLICATION_FORM, as_pdf(content)))

    assert "This PDF could not be read" in page
    assert not Material.objects.exists()
