"""Checks on uploaded files: the type is read from the content, never from the name."""

import io
import logging

import filetype
import pypdfium2 as pdfium
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

ALLOWED_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}

# PDF names that make a document act on its own when opened, as dictionary keys
# (/OpenAction, /AA, /JS…) or as action and file types (/S /JavaScript, /Type /EmbeddedFile).
ACTIVE_PDF_NAMES = frozenset(
    {"JavaScript", "JS", "OpenAction", "AA", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia"}
)


def active_pdf_names(data: bytes) -> set[str]:
    """The active-content names found among the objects of a PDF.

    The document is parsed, not scanned as bytes: names are read as a PDF reader reads them
    (hex escapes decoded, object streams unpacked whatever their filters), and image or page
    content is never mistaken for a name.
    """
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise ValidationError(
            _("This PDF is encrypted or password-protected. Please upload an unprotected PDF.")
        )
    pending: list = [reader.trailer, *_every_object(reader)]
    seen: set[tuple[int, int]] = set()
    found: set[str] = set()
    while pending:
        obj = pending.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # stream objects included
            found.update(key[1:] for key in obj if key[1:] in ACTIVE_PDF_NAMES)
            pending.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            pending.extend(obj)
        elif isinstance(obj, NameObject) and obj[1:] in ACTIVE_PDF_NAMES:
            found.add(obj[1:])
    return found


def _every_object(reader: PdfReader) -> list[IndirectObject]:
    """Every object in the cross-reference tables, reachable from the catalog or not."""
    numbers = {
        (number, generation) for generation, table in reader.xref.items() for number in table
    }
    numbers.update((number, 0) for number in reader.xref_objStm)
    return [IndirectObject(number, generation, reader) for number, generation in sorted(numbers)]


def check_upload(upload: UploadedFile) -> str:
    """Validate an uploaded document and return its content type."""
    limit = settings.MATERIAL_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(
            _("Only PDF documents and PNG or JPEG images are accepted. This file is not one.")
        )
    if kind.mime == "application/pdf":
        try:
            active = active_pdf_names(data)
        except (PdfReadError, ValueError, KeyError, TypeError, RecursionError) as error:
            logging.getLogger(__name__).info("Unreadable PDF refused: %r", error)
            raise ValidationError(
                _("This PDF could not be read. Please save it again as a plain PDF and upload it.")
            ) from error
        if active:
            raise ValidationError(
                _("This PDF contains active content (%(names)s). Please upload a plain PDF.")
                % {"names": ", ".join(sorted(active))}
            )
    else:
        check_image(data, ALLOWED_TYPES[kind.mime])
    return kind.mime


PREVIEW_WIDTH = 480  # pixels: a card surface shown beside another on the change page


def surface_preview(data: bytes, content_type: str) -> bytes | None:
    """A PNG of a PDF card surface's first page, rendered once when it is uploaded, so that
    surfaces are compared as images; None for an image, which is shown as it is."""
    if content_type != "application/pdf":
        return None
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:  # readable to pypdf, not to PDFium: offered as a download only
        return None
    try:
        page = document[0]
        # Scaled to a fixed width whatever the page size says: a huge MediaBox costs nothing.
        scale = PREVIEW_WIDTH / max(page.get_width(), 1)
        image = page.render(scale=min(scale, 4)).to_pil()
        page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def check_image(data: bytes, extension: str) -> None:
    """Decode the whole image: a file whose first bytes only look like a PNG or JPEG, or that is
    cut short, or that would decompress to an absurd size, is refused."""
    expected = {"png": "PNG", "jpg": "JPEG"}[extension]
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                raise ValueError(image.format)
            image.load()
        # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, so load() alone lets a
        # file cut short through: check the end of the image, which the format marks.
        if expected == "PNG":
            with Image.open(io.BytesIO(data)) as image:
                image.verify()  # every chunk's CRC, up to IEND
        elif b"\xff\xd9" not in data[-64:]:  # JPEG's end-of-image marker, padding allowed
            raise ValueError("no JPEG end-of-image marker")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        logging.getLogger(__name__).info("Undecodable image refused: %r", error)
        raise ValidationError(
            _(
                "This image could not be read in full. Please save it again as a PNG or JPEG "
                "and upload it."
            )
        ) from error
