"""The office's signing key: PAdES signatures on every issued PDF, and signatures on the audit
chain's checkpoints.

The key and its certificate are PEM files named by the environment (DOCUMENT_SIGNING_KEY,
DOCUMENT_SIGNING_CERT), never stored in the database: someone who can rewrite the database
cannot sign. `manage.py signing_key --demo` writes a self-signed demo pair where none exists
(`make run` does); a real one is installed by pointing the two settings at the office's files.
"""

import asyncio
import base64
import concurrent.futures
import datetime
import functools
import warnings
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

with warnings.catch_warnings():
    # pyHanko imports DSA support, which cryptography deprecates; we sign with RSA.
    warnings.filterwarnings("ignore", "DSA is deprecated")
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

DEMO_COMMON_NAME = "DEMO 社会保障卡发行审批 演示签章 (not for real use)"


def write_demo_key_pair(key_path: Path, cert_path: Path) -> bool:
    """A self-signed RSA key and certificate for the demo and the tests; False if present."""
    if key_path.exists() and cert_path.exists():
        return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "人力资源社会保障部 (DEMO)"),
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_COMMON_NAME),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return True


@checks.register(checks.Tags.security, deploy=True)
def demo_key_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: documents signed with the demo key prove nothing."""
    cert_path = Path(settings.DOCUMENT_SIGNING_CERT)
    if not cert_path.is_file():
        return []
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if any(name.value == DEMO_COMMON_NAME for name in names):
        return [
            checks.Warning(
                "Issued documents would be signed with the demo key.",
                hint="Set DOCUMENT_SIGNING_KEY and DOCUMENT_SIGNING_CERT to the office's own.",
                id="approvals.W001",
            )
        ]
    return []


def _paths() -> tuple[Path, Path]:
    key_path = Path(settings.DOCUMENT_SIGNING_KEY)
    cert_path = Path(settings.DOCUMENT_SIGNING_CERT)
    if not (key_path.is_file() and cert_path.is_file()):
        raise ImproperlyConfigured(
            f"No signing key at {key_path} and {cert_path}: set DOCUMENT_SIGNING_KEY and "
            "DOCUMENT_SIGNING_CERT, or run `manage.py signing_key --demo`."
        )
    return key_path, cert_path


@functools.cache
def _load(key_path: Path, cert_path: Path) -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load(str(key_path), str(cert_path))
    if signer is None:
        raise ImproperlyConfigured(f"Cannot read the signing key {key_path} or {cert_path}.")
    return signer


def signer() -> signers.SimpleSigner:
    return _load(*_paths())


@functools.cache
def _certificate(cert_path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cert_path.read_bytes())


@functools.cache
def _private_key(key_path: Path):  # -> an RSA private key
    return serialization.load_pem_private_key(key_path.read_bytes(), password=None)


def certificate() -> x509.Certificate:
    return _certificate(_paths()[1])


def sign_pdf(pdf: bytes, reason: str) -> bytes:
    """The PDF with a PAdES baseline signature appended as an incremental update.

    pyHanko signs with asyncio.run, which refuses to run inside a running event loop (an
    async caller, Playwright's sync API in the browser tests): there, it signs in a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _sign_pdf(pdf, reason)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_sign_pdf, pdf, reason).result()


def _sign_pdf(pdf: bytes, reason: str) -> bytes:
    metadata = signers.PdfSignatureMetadata(
        field_name="OfficeSignature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location="CN",
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    return signers.sign_pdf(writer, metadata, signer=signer()).getvalue()


def sign_bytes(data: bytes) -> str:
    """A detached RSA-SHA256 signature of data, base64."""
    key = _private_key(_paths()[0])
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify_bytes(data: bytes, signature: str) -> bool:
    try:
        certificate().public_key().verify(
            base64.b64decode(signature), data, padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True
