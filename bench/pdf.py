"""The decision letter and the filing form: milliseconds per page against a reference.

    .venv/bin/python -m bench.pdf [--pairs 5] [--repeat 5]

Both documents are rendered exactly as the background task renders them
(approvals.documents.document_context + render_pdf) for a case driven
to filing in a scratch database. The reference is a plain HTML page carrying the same text,
rendered by WeasyPrint in the same process with the same fonts and no fetcher. One sample is
the mean of `--repeat` renderings, in ms per page (pages counted with pypdf). Peak memory:
the Python heap peak of one rendering (tracemalloc) and the process's maximum RSS.
"""

import argparse
import io
import os
import re
import resource
import tracemalloc
from pathlib import Path

from bench.harness import compare, save, timed_ms

DATABASE = "sqlite:////tmp/ssc_bench_pdf.sqlite3"


def setup() -> object:
    """A filed Hangzhou case in a fresh scratch database; returns its application."""
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DATABASE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The case's notification e-mails go to memory, not to the console mid-benchmark.
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    if os.environ["DATABASE_URL"] == DATABASE and os.path.exists(DATABASE[10:]):
        os.remove(DATABASE[10:])
    import django

    django.setup()
    from django.core.management import call_command

    from approvals import procedure
    from approvals.demo import ensure_personas
    from approvals.flows import IssuanceFlow as Flow
    from approvals.models import Outcome

    call_command("migrate", verbosity=0)
    personas = ensure_personas()
    application = procedure.apply(personas["hangzhou"])
    procedure.decide(application, Flow.provincial_examination, personas["zhejiang"], Outcome.PASS)
    procedure.decide(application, Flow.ministry_review, personas["ministry"], Outcome.PASS)
    procedure.file(application, personas["ministry"], "ICRC-1")
    application.refresh_from_db()
    return application


def body_rule() -> str:
    """The documents' own `body` CSS rule (font family, size, line height), so that the
    reference lays out the same text in the same fonts and the ratio is the documents' other
    costs (tables, margin boxes, page counters, the URL fetcher)."""
    style = Path(__file__).resolve().parent.parent / "templates/approvals/pdf/_style.html"
    found = re.search(r"body\s*\{[^}]*\}", style.read_text())
    return found.group(0) if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    application = setup()
    from django.template.loader import render_to_string
    from pypdf import PdfReader
    from weasyprint import HTML

    from approvals.documents import document_context, render_pdf
    from approvals.models import CaseDocument

    def pages(pdf: bytes) -> int:
        return len(PdfReader(io.BytesIO(pdf)).pages)

    comparisons, memory = [], {}
    for kind in (CaseDocument.Kind.DECISION_LETTER, CaseDocument.Kind.FILING_FORM):
        template, context = document_context(kind, application)
        document_pages = pages(render_pdf(template, context))
        text = re.sub(r"<[^>]+>", " ", render_to_string(template, context))
        paragraphs = "".join(f"<p>{line.strip()}</p>" for line in text.splitlines() if line.strip())
        reference_html = (
            f"<!doctype html><html><head><style>@page {{ size: A4 }} {body_rule()}</style>"
            f"</head><body>{paragraphs}</body></html>"
        )
        reference_pages = pages(HTML(string=reference_html).write_pdf())

        def candidate(
            template: str = template, context: dict = context, n: int = document_pages
        ) -> float:
            return timed_ms(lambda: render_pdf(template, context), args.repeat) / n

        def reference(html: str = reference_html, n: int = reference_pages) -> float:
            return timed_ms(lambda: HTML(string=html).write_pdf(), args.repeat) / n

        comparison = compare(
            f"{kind.label} ({document_pages} page(s)), ms/page",
            candidate,
            reference,
            pairs=args.pairs,
            unit="ms/page",
            target="report",
        )
        tracemalloc.start()
        render_pdf(template, context)
        peak_document = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        HTML(string=reference_html).write_pdf()
        peak_reference = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        memory[str(kind.label)] = {
            "heap peak MiB (document)": round(peak_document / 2**20, 1),
            "heap peak MiB (reference)": round(peak_reference / 2**20, 1),
        }
        comparison.extra = memory[str(kind.label)]
        print(f"  peak Python heap: {memory[str(kind.label)]}")
        comparisons.append(comparison)
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  process max RSS: {max_rss:.0f} MiB")
    save("pdf", comparisons, memory=memory, max_rss_mib=round(max_rss))


if __name__ == "__main__":
    main()
