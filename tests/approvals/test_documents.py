"""The decision letter and the filing form: what they say, who gets them, and that neither an
application field nor a template can make the PDF renderer read a file or the network.

The cases are built through the actions (tests.helpers); the documents are fetched over HTTP.
"""

import http.server
import io
import threading
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from approvals import documents
from approvals.documents import SEAL_URL, STATIC_PREFIX, StaticFilesOnlyFetcher, render_pdf
from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application
from tests.helpers import APPLICATION_DATA, PROVINCE_OF, act, applied, filed, page, procedure

Status = Application.Status
DOCUMENTS = ("decision.pdf", "filing-form.pdf")
INJECTION = '<img src="file:///etc/passwd">'
DEPARTMENT_NAME = {
    "hangzhou": "杭州市人力资源和社会保障局",
    "guangdong": "广东省人力资源和社会保障厅",
}


def passwd_samples() -> list[bytes]:
    """Text that would show /etc/passwd had been read."""
    samples = [b"root:x:0:0"]
    passwd = Path("/etc/passwd")
    if passwd.exists():
        samples += [line.encode() for line in passwd.read_text().splitlines()[:3] if line]
    return samples


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_images(pdf: bytes) -> list:
    return [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]


def squeezed(text: str) -> str:
    """Without whitespace: table cells wrap long values over several lines."""
    return "".join(text.split())


def assert_no_file_read(pdf: bytes) -> None:
    text = pdf_text(pdf)
    for sample in passwd_samples():
        assert sample not in pdf
        assert sample.decode() not in text
    assert pdf_images(pdf) == []


def get_document(client: Client, application: Application, name: str):
    return client.get(f"/cases/{application.pk}/{name}")


def approve_and_file(personas, applicant: str, **fields: str) -> Application:
    """applicant's application approved and filed (today) as ICRC-2026-0815."""
    return filed(personas, applicant, reference="ICRC-2026-0815", **fields)


@pytest.fixture
def fetches(monkeypatch):
    """Every URL the PDF renderer asks its fetcher for, with what the fetcher did."""
    calls: list[tuple[str, str]] = []
    original = documents.StaticFilesOnlyFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except Exception as error:
            calls.append((url, f"refused: {type(error).__name__}: {error}"))
            raise
        calls.append((url, "fetched"))
        return response

    monkeypatch.setattr(documents.StaticFilesOnlyFetcher, "fetch", spy)
    return calls


@pytest.mark.parametrize("applicant", ["hangzhou", "guangdong"])
def test_documents_of_a_filed_case_are_pdf_attachments_naming_the_issuer(
    client_for, personas, applicant
):
    application = approve_and_file(personas, applicant)
    issuer_id = application.issuer.issuer_id
    readers = [applicant, PROVINCE_OF.get(applicant, applicant), "ministry"]
    for reader in dict.fromkeys(readers):
        for name in DOCUMENTS:
            response = get_document(client_for(reader), application, name)
            assert response.status_code == 200, (reader, name)
            assert response["Content-Type"] == "application/pdf"
            disposition = response["Content-Disposition"]
            assert disposition.startswith("attachment;")
            assert disposition.endswith('.pdf"')
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response.content.startswith(b"%PDF-")
            text = squeezed(pdf_text(response.content))
            assert issuer_id in text
            assert DEPARTMENT_NAME[applicant] in text
            assert application.department.division.name_zh in text
            if name == "filing-form.pdf":
                assert "参保职工、城乡居民/Insuredemployees、Urbanandruralresidents" in text


def test_the_filing_form_is_named_after_the_issuer_and_carries_the_filing(client_for, personas):
    application = approve_and_file(personas, "hangzhou")
    response = get_document(client_for("ministry"), application, "filing-form.pdf")
    assert application.issuer.issuer_id in response["Content-Disposition"]
    text = squeezed(pdf_text(response.content))
    assert "ICRC-2026-0815" in text
    assert timezone.localdate().isoformat() in text


def test_no_documents_before_approval_whatever_becomes_of_the_case(client_for, personas):
    readers = [client_for(name) for name in ("hangzhou", "zhejiang", "ministry")]
    zhejiang, ministry = personas["zhejiang"], personas["ministry"]

    def assert_none(application: Application, expected_status: str) -> None:
        application.refresh_from_db()
        assert application.status == expected_status
        for reader in readers:
            for name in DOCUMENTS:
                assert get_document(reader, application, name).status_code == 404

    application = applied(personas, "hangzhou")
    assert_none(application, Status.PROVINCIAL_EXAMINATION)
    procedure.decide(
        application, Flow.provincial_examination, zhejiang, "return", "Fix the surface."
    )
    assert_none(application, Status.RETURNED)
    procedure.correct(application, personas["hangzhou"], "Fixed.")
    procedure.decide(application, Flow.provincial_examination, zhejiang, "pass")
    assert_none(application, Status.MINISTRY_REVIEW)
    procedure.decide(application, Flow.ministry_review, ministry, "reject", "Keys plan missing.")
    assert_none(application, Status.REJECTED)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_officials_outside_the_jurisdiction_get_404(client_for, personas, name):
    zhejiang_case = approve_and_file(personas, "hangzhou")
    guangdong_case = filed(personas, "guangdong")
    # Another province, its bureaus, another bureau of the same province, a district bureau.
    for outsider in ("guangdong", "shenzhen", "beijing", "ningbo", "xihu"):
        assert get_document(client_for(outsider), zhejiang_case, name).status_code == 404
    for outsider in ("zhejiang", "hangzhou", "shenzhen", "beijing"):
        assert get_document(client_for(outsider), guangdong_case, name).status_code == 404
    anonymous = get_document(Client(), zhejiang_case, name)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_markup_typed_into_the_application_form_is_printed_as_text(client_for, personas, fetches):
    application = approve_and_file(
        personas,
        "hangzhou",
        card_product=INJECTION,
        contact_person='<img src="file:///etc/hostname">',
        cardholder_population=f"residents\n{INJECTION}\n<script>alert(1)</script>",
    )
    assert application.card_product == INJECTION  # stored as typed, through the form
    for name in DOCUMENTS:
        response = get_document(client_for("ministry"), application, name)
        assert response.status_code == 200
        assert_no_file_read(response.content)
        text = squeezed(pdf_text(response.content))
        assert squeezed(INJECTION) in text  # the literal text, i.e. escaped
    filing_form = get_document(client_for("ministry"), application, "filing-form.pdf")
    text = squeezed(pdf_text(filing_form.content))
    assert squeezed('<img src="file:///etc/hostname">') in text
    assert "<script>alert(1)</script>" in text
    # Escaped markup is never parsed, so nothing was even asked of the fetcher.
    assert [u for u, _ in fetches if not u.startswith(STATIC_PREFIX) and u != SEAL_URL] == []


def test_markup_entered_through_the_edit_form_on_return_is_printed_as_text(client_for, personas):
    hangzhou = client_for("hangzhou")
    application = applied(personas, "hangzhou")
    procedure.decide(
        application, Flow.provincial_examination, personas["zhejiang"], "return", "Fix."
    )
    edit = hangzhou.post(
        f"/cases/{application.pk}/edit/", {**APPLICATION_DATA, "card_product": INJECTION}
    )
    assert edit.status_code == 302
    assert act(hangzhou, application, Flow.correction, {"note": "Done."}).status_code == 302
    procedure.decide(application, Flow.provincial_examination, personas["zhejiang"], "pass")
    procedure.decide(application, Flow.ministry_review, personas["ministry"], "pass")
    procedure.file(application, personas["ministry"], "ICRC-1")
    application.refresh_from_db()
    assert application.card_product == INJECTION

    for name in DOCUMENTS:
        response = get_document(client_for("ministry"), application, name)
        assert response.status_code == 200
        assert_no_file_read(response.content)
        assert squeezed(INJECTION) in squeezed(pdf_text(response.content))


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).paths.append(self.path)
        body = b'<svg xmlns="http://www.w3.org/2000/svg"><text y="20">FETCHED</text></svg>'
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web_server():
    """A local HTTP server that records every request it gets."""
    _RecordingHandler.paths = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _RecordingHandler.paths
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def template_string(settings):
    """Render a template given as a string: an in-memory loader in front of the real ones."""
    templates: dict[str, str] = {}
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [
        {
            **engine,
            "APP_DIRS": False,
            "OPTIONS": {
                **engine["OPTIONS"],
                "loaders": [
                    ("django.template.loaders.locmem.Loader", templates),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]

    def add(source: str) -> str:
        templates["probe.html"] = source
        return "probe.html"

    return add


def test_render_pdf_refuses_file_and_http_images(template_string, web_server, fetches, tmp_path):
    base, requests = web_server
    secret = tmp_path / "secret.svg"
    secret.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><text y="20">TOPSECRET</text></svg>',
        encoding="utf-8",
    )
    outside = [
        "file:///etc/passwd",
        f"file://{secret}",
        f"{base}/image.svg",
        f"{base}/background.svg",
        f"{base}/style.css",
    ]
    template = template_string(
        "<!doctype html><html><head>"
        f'<link rel="stylesheet" href="{outside[4]}">'
        '<link rel="stylesheet" href="static/approvals/app.css">'
        "</head><body><p>probe {{ word }}</p>"
        f'<img src="{outside[0]}"><img src="{outside[1]}"><img src="{outside[2]}">'
        f"<div style=\"background-image: url('{outside[3]}')\">x</div>"
        "</body></html>"
    )

    pdf = render_pdf(template, {"word": "rendered"})

    assert pdf.startswith(b"%PDF-")
    assert "probe rendered" in pdf_text(pdf)
    outcome = dict(fetches)
    for url in outside:
        assert outcome.get(url, "").startswith("refused: ValueError: Refused to fetch"), fetches
    assert requests == []  # the web server was never contacted
    assert_no_file_read(pdf)
    text = pdf_text(pdf)
    assert "TOPSECRET" not in text
    assert "FETCHED" not in text
    # The one thing the fetcher serves: the project's own static files.
    assert outcome[STATIC_PREFIX + "approvals/app.css"] == "fetched"


def test_the_fetcher_refuses_everything_but_existing_static_files(web_server):
    base, requests = web_server
    fetcher = StaticFilesOnlyFetcher()
    for url in (
        "file:///etc/passwd",
        f"{base}/image.svg",
        "https://example.com/image.png",
        STATIC_PREFIX + "../../../../etc/passwd",
        STATIC_PREFIX + "approvals/../../../../etc/passwd",
        STATIC_PREFIX + "approvals/missing.png",
    ):
        with pytest.raises(Exception):  # noqa: B017, PT011 - ValueError or SuspiciousFileOperation
            fetcher.fetch(url)
    assert requests == []
    assert fetcher.fetch(STATIC_PREFIX + "approvals/app.css") is not None


def test_fonts_are_subset_by_harfbuzz_not_the_slow_fallback(template_string, caplog):
    """Without libharfbuzz-subset0 (Makefile system-deps, docs/deploy.md) WeasyPrint falls back
    to fontTools, which takes over a second a page with the embedded CJK font."""
    hangzhou = DEPARTMENT_NAME["hangzhou"]
    template = template_string(
        f"<!doctype html><html><body><p>{hangzhou} 社会保障卡</p></body></html>"
    )
    with caplog.at_level("WARNING", logger="weasyprint"):
        pdf = render_pdf(template, {})

    assert hangzhou in squeezed(pdf_text(pdf))
    assert not [r for r in caplog.records if "fontTools" in r.getMessage()]


def test_the_case_summary_is_a_pdf_of_the_case_for_whoever_may_open_it(personas, client_for):
    application = filed(personas, "hangzhou")
    response = client_for("zhejiang").get(f"/cases/{application.pk}/summary.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert application.reference in text
    assert "已向注册中心备案 / Filed with the registration centre" in text
    assert "部审核批准 / Approved by the Ministry" in text  # a decision, in both languages
    assert "form.pdf" in text  # the materials
    assert client_for("ningbo").get(f"/cases/{application.pk}/summary.pdf").status_code == 404
    assert f"/cases/{application.pk}/summary.pdf" in page(
        client_for("hangzhou"), f"/cases/{application.pk}/"
    )
