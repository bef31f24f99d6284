"""PDF documents, rendered with WeasyPrint from templates under templates/approvals/pdf/.

The fetcher reads only the project's own static files from disk: no file:// URLs,
no network. Applicant text is auto-escaped by the template engine.
"""

from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

PDF_BASE_URL = "https://pdf.invalid/"
STATIC_PREFIX = PDF_BASE_URL + "static/"


class StaticFilesOnlyFetcher(URLFetcher):
    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if not url.startswith(STATIC_PREFIX):
            raise ValueError(f"Refused to fetch {url!r} while rendering a PDF.")
        relative = url.removeprefix(STATIC_PREFIX).split("?")[0]
        path = finders.find(relative) if ".." not in relative.split("/") else None
        if not path:
            raise ValueError(f"No static file for {url!r}.")
        with open(path, "rb") as handle:
            return URLFetcherResponse(url, body=handle.read())


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_to_string(template_name, context)
    return HTML(
        string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesOnlyFetcher()
    ).write_pdf()


def attachment_response(data_or_file, filename: str, content_type: str) -> HttpResponse:  # noqa: ANN001
    if isinstance(data_or_file, bytes):
        response = HttpResponse(data_or_file, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            data_or_file, as_attachment=True, filename=filename, content_type=content_type
        )
    response["X-Content-Type-Options"] = "nosniff"
    return response
