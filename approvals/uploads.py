"""Checks on uploaded files: the type is read from the content, never from the name."""

import re
import zlib

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOWED_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}

# PDF name objects that make a document act on its own when opened.
ACTIVE_PDF_NAMES = ("JavaScript", "JS", "OpenAction", "AA", "Launch", "EmbeddedFile", "RichMedia")
PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})+)")
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
# A decompressed stream larger than this is not inflated further (a zip bomb guard).
MAX_INFLATED_BYTES = 50 * 1024 * 1024


def _inflated_streams(data: bytes) -> list[bytes]:
    """The contents of Flate-compressed streams: object streams can hide dictionaries there."""
    inflated, budget = [], MAX_INFLATED_BYTES
    for stream in STREAM.findall(data):
        try:
            content = zlib.decompressobj().decompress(stream, budget)
        except zlib.error:
            continue
        budget -= len(content)
        inflated.append(content)
        if budget <= 0:
            break
    return inflated


def _pdf_names(data: bytes) -> set[str]:
    names = set()
    for raw in PDF_NAME.findall(b"\n".join([data, *_inflated_streams(data)])):
        decoded = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
        names.add(decoded.decode("latin-1"))
    return names


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
        active = _pdf_names(data).intersection(ACTIVE_PDF_NAMES)
        if active:
            raise ValidationError(
                _("This PDF contains active content (%(names)s). Please upload a plain PDF.")
                % {"names": ", ".join(sorted(active))}
            )
    return kind.mime
