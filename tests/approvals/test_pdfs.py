"""Decision letter and filing form: content, access, escaping and the fetcher."""

import http.server
import io
import threading

import pytest
from django.test import Client
from pypdf import PdfReader

from approvals.documents import STATIC_PREFIX, StaticFilesOnlyFetcher, render_pdf
from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application
from tests.helpers import (
    APPLICATION_DATA,
    act,
    apply,
    decide,
    file_with_registry,
)

HANGZHOU_BUREAU = "杭州市人力资源和社会保障局"
INJECTION = '<img src="file:///etc/passwd">'
DOCUMENTS = ("decision.pdf", "filing-form.pdf")


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squeezed(text: str) -> str:
    return "".join(text.split())


def approve_and_file(client_for, application: Application) -> Application:
    decide(client_for("zhejiang"), application, Flow.provincial_examination, "pass")
    decide(client_for("ministry"), application, Flow.ministry_review, "pass")
    assert application.status == Application.Status.APPROVED
    file_with_registry(client_for("ministry"), application, "ICRC-2026-42")
    assert application.status == Application.Status.FILED
    return application


@pytest.fixture
def filed_case(client_for) -> Application:
    application = apply(client_for("hangzhou"))
    return approve_and_file(client_for, application)


def get_pdf(client: Client, application: Application, name: str):
    return client.get(f"/cases/{application.pk}/{name}")


@pytest.mark.parametrize("name", DOCUMENTS)
@pytest.mark.parametrize("persona", ["hangzhou", "zhejiang", "ministry"])
def test_pdf_is_an_attachment_with_the_issuer_id_and_applicant(
    filed_case, client_for, persona, name
):
    response = get_pdf(client_for(persona), filed_case, name)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    text = squeezed(text_of(response.content))
    assert filed_case.issuer.issuer_id in text
    assert HANGZHOU_BUREAU in text


def test_filing_form_carries_the_filing_reference(filed_case, client_for):
    response = get_pdf(client_for("ministry"), filed_case, "filing-form.pdf")
    assert "ICRC-2026-42" in squeezed(text_of(response.content))
    assert filed_case.issuer.issuer_id in response["Content-Disposition"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_pdf_before_approval(client_for, name):
    application = apply(client_for("hangzhou"))
    assert application.status == Application.Status.PROVINCIAL_EXAMINATION
    for persona in ("hangzhou", "zhejiang", "ministry"):
        assert get_pdf(client_for(persona), application, name).status_code == 404
    decide(client_for("zhejiang"), application, Flow.provincial_examination, "pass")
    assert application.status == Application.Status.MINISTRY_REVIEW
    assert get_pdf(client_for("ministry"), application, name).status_code == 404


@pytest.mark.parametrize("name", DOCUMENTS)
@pytest.mark.parametrize("persona", ["guangdong", "shenzhen", "ningbo", "beijing", "xihu"])
def test_other_jurisdictions_get_404(filed_case, client_for, persona, name):
    assert get_pdf(client_for(persona), filed_case, name).status_code == 404


@pytest.mark.parametrize("name", DOCUMENTS)
def test_anonymous_is_sent_to_login(filed_case, name):
    response = get_pdf(Client(), filed_case, name)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def assert_escaped(client_for, application: Application) -> None:
    for name in DOCUMENTS:
        response = get_pdf(client_for("ministry"), application, name)
        assert response.status_code == 200
        assert b"root:x:0:0" not in response.content
        # Shown as text, i.e. escaped, not turned into an image.
        assert squeezed(INJECTION) in squeezed(text_of(response.content))


def test_markup_in_an_application_field_is_text_not_an_image(client_for):
    application = apply(client_for("hangzhou"), card_product=INJECTION)
    assert application.card_product == INJECTION
    approve_and_file(client_for, application)
    assert_escaped(client_for, application)


def test_markup_entered_through_the_edit_form_is_text_not_an_image(client_for):
    hangzhou = client_for("hangzhou")
    application = apply(hangzhou)
    decide(client_for("zhejiang"), application, Flow.provincial_examination, "return", "Fix.")
    edit = hangzhou.post(
        f"/cases/{application.pk}/edit/", {**APPLICATION_DATA, "card_product": INJECTION}
    )
    assert edit.status_code == 302
    assert act(hangzhou, application, Flow.correction, {"note": "Done."}).status_code == 302
    application.refresh_from_db()
    assert application.card_product == INJECTION
    approve_and_file(client_for, application)
    assert_escaped(client_for, application)


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.end_headers()
        self.wfile.write(b'<svg xmlns="http://www.w3.org/2000/svg"><text>LEAKED</text></svg>')

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def http_server():
    _Recorder.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Recorder.requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def pdf_template(settings, tmp_path):
    """Write a template in a temporary template directory; returns a writer."""
    directory = tmp_path / "templates"
    (directory / "t").mkdir(parents=True)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [directory, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    def write(html: str) -> str:
        (directory / "t" / "probe.html").write_text(html, encoding="utf-8")
        return "t/probe.html"

    return write


def test_fetcher_refuses_anything_but_static_files(http_server):
    base, requests = http_server
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
    css = fetcher.fetch(STATIC_PREFIX + "approvals/app.css")
    assert css is not None


def test_render_pdf_does_not_fetch_file_or_http_images(pdf_template, http_server, tmp_path):
    base, requests = http_server
    secret = tmp_path / "secret.svg"
    secret.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><text>TOPSECRET</text></svg>', encoding="utf-8"
    )
    template = pdf_template(
        "<!doctype html><html><body><p>probe</p>"
        f'<img src="file://{secret}"><img src="file:///etc/passwd">'
        f'<img src="{base}/image.svg">'
        f"<div style=\"background: url('{base}/bg.svg')\">x</div>"
        "</body></html>"
    )
    pdf = render_pdf(template, {})
    assert pdf.startswith(b"%PDF")
    assert requests == []
    assert b"root:x:0:0" not in pdf
    text = text_of(pdf)
    assert "probe" in text
    assert "TOPSECRET" not in text
    assert "LEAKED" not in text


def test_fonts_are_subset_by_harfbuzz_not_the_slow_fallback(pdf_template, caplog):
    """Without libharfbuzz-subset0 (Makefile system-deps, docs/deploy.md) WeasyPrint falls back
    to fontTools, which takes over a second a page with the embedded CJK font."""
    template = pdf_template(
        f"<!doctype html><html><body><p>{HANGZHOU_BUREAU} 社会保障卡</p></body></html>"
    )
    with caplog.at_level("WARNING", logger="weasyprint"):
        pdf = render_pdf(template, {})

    assert HANGZHOU_BUREAU in squeezed(text_of(pdf))
    assert not [r for r in caplog.records if "fontTools" in r.getMessage()]
