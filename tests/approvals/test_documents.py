"""The decision letter and the filing form: rendered, scoped, and isolated from the machine."""

import io

import pytest
from pypdf import PdfReader

from approvals.documents import STATIC_PREFIX, StaticFilesOnlyFetcher
from approvals.flows import IssuanceFlow as Flow
from tests.helpers import apply, decide, file_with_registry


def pdf_text(response) -> str:  # noqa: ANN001
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def filed_case(client_for):
    application = apply(client_for("hangzhou"), card_product='<img src="file:///etc/passwd">')
    decide(client_for("zhejiang"), application, Flow.provincial_examination, "pass")
    decide(client_for("ministry"), application, Flow.ministry_review, "pass")
    file_with_registry(client_for("ministry"), application)
    return application


@pytest.mark.parametrize("document", ["decision.pdf", "filing-form.pdf"])
def test_the_document_shows_the_issuer_id_and_the_applicant(client_for, filed_case, document):
    response = client_for("hangzhou").get(f"/cases/{filed_case.pk}/{document}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    text = pdf_text(response)
    assert filed_case.issuer.issuer_id in text
    assert "杭州市人力资源和社会保障局" in text


@pytest.mark.parametrize("document", ["decision.pdf", "filing-form.pdf"])
def test_applicant_text_is_escaped_and_local_files_are_never_read(client_for, filed_case, document):
    response = client_for("ministry").get(f"/cases/{filed_case.pk}/{document}")
    assert b"root:x:0:0" not in response.content
    assert "file:///etc/passwd" in pdf_text(response)


@pytest.mark.parametrize("document", ["decision.pdf", "filing-form.pdf"])
def test_documents_exist_only_after_approval_and_only_in_jurisdiction(client_for, document):
    application = apply(client_for("guangdong"))
    assert client_for("guangdong").get(f"/cases/{application.pk}/{document}").status_code == 404
    decide(client_for("ministry"), application, Flow.ministry_review, "pass")
    assert client_for("guangdong").get(f"/cases/{application.pk}/{document}").status_code == 200
    assert client_for("zhejiang").get(f"/cases/{application.pk}/{document}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://pdf.invalid/etc/passwd",
        "https://pdf.invalid/static/../../../../etc/passwd",
    ],
)
def test_the_pdf_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(ValueError):
        StaticFilesOnlyFetcher().fetch(url)


def test_the_pdf_fetcher_reads_the_projects_static_files():
    response = StaticFilesOnlyFetcher().fetch(STATIC_PREFIX + "approvals/app.css")
    assert b".case-page" in response.read()
