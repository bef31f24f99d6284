"""The national issuer register, public: every issuer filed with the registration centre, as
a page and as CSV and JSON, for card reader makers, banks and anyone who reads a card. No
login.

What is public is chosen column by column (`PUBLIC_COLUMNS`) and read as values, never as
issuers, so a template or a new column can't reach anything else: not the centre's filing
reference, the department or its officials, the cases, the users, nor any internal key. An
issuer is public once its filing with the registration centre is recorded, whatever status it
has moved to since; an issuer ID merely allocated is not.
"""

import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from issuers.models import Division, Issuer
from issuers.search import ASCII_CODE

from .documents import attachment_response
from .exports import Table, csv_response, read_all
from .public_access import rate_limited
from .search import kept_query, paginate

PUBLIC_COLUMNS = (
    "issuer_id",
    "division__code",
    "division__name_zh",
    "division__name_en",
    "status",
    "allocated_at",
    "filing_date",
)
SEARCH_LENGTH = 100  # characters of the search box taken into account


@dataclass(frozen=True)
class PublicIssuer:
    issuer_id: str
    area_code: str
    area_name_zh: str
    area_name_en: str
    status: str
    approved_on: datetime.date
    filed_on: datetime.date | None

    @classmethod
    def from_values(cls, values: tuple) -> "PublicIssuer":
        issuer_id, code, name_zh, name_en, status, allocated_at, filing_date = values
        day = timezone.localdate(allocated_at)
        return cls(issuer_id, code, name_zh, name_en, status, day, filing_date)

    @property
    def status_label(self) -> str:
        """The model's label, so that a status added to `Issuer.Status` shows as it is."""
        return str(dict(Issuer.Status.choices).get(self.status, self.status))


def public_issuers(text: str = "") -> QuerySet:
    """The public columns of the filed issuers, those matching text if any."""
    issuers = Issuer.objects.filter(filed_at__isnull=False)
    if text:
        issuers = issuers.filter(_matching(text))
    return issuers.values_list(*PUBLIC_COLUMNS)


def _matching(text: str) -> Q:
    """An issuer ID (any part), or an area by code or name, the areas within it included:
    "浙江" or "33" finds every Zhejiang issuer. The filing reference and the department are
    not searched: a search must not confirm what the page does not show."""
    found = Q(division__code__startswith=text)
    if ASCII_CODE.search(text):
        found |= Q(issuer_id__icontains=text)
    areas = Division.objects.filter(Q(name_zh__icontains=text) | Q(name_en__icontains=text))
    for code, level in areas.values_list("code", "level")[:50]:
        prefix = {Division.Level.PROVINCE: 2, Division.Level.PREFECTURE: 4}.get(level, 6)
        found |= Q(division__code__startswith=code[:prefix])
    return found


def _search_text(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:SEARCH_LENGTH]


def _rows(values: Iterable[tuple]) -> Iterator[PublicIssuer]:
    return (PublicIssuer.from_values(v) for v in values)


@require_safe
@rate_limited("public-issuers", per_minute=60)
def issuer_register(request: HttpRequest) -> HttpResponse:
    text = _search_text(request)
    page = paginate(request, public_issuers(text))
    page.object_list = list(_rows(page.object_list))
    return render(
        request,
        "approvals/public/issuers.html",
        {"issuers": page, "text": text, "query": kept_query(request.GET)},
    )


def _cells(issuer: PublicIssuer) -> tuple:
    return (
        issuer.issuer_id,
        issuer.area_code,
        issuer.area_name_zh,
        issuer.area_name_en,
        issuer.status_label,
        issuer.approved_on,
        issuer.filed_on,
    )


COLUMNS = (
    _("Issuer ID"),
    _("Area code"),
    _("Area"),
    _("Area, English name"),
    _("Status"),
    _("Date approved"),
    _("Filing date"),
)


@require_safe
@rate_limited("public-issuers-csv", per_minute=10)
def issuer_register_csv(request: HttpRequest) -> StreamingHttpResponse:
    rows = (_cells(i) for i in _rows(read_all(public_issuers(_search_text(request)))))
    table = Table("national-issuer-register", _("National issuer register"), COLUMNS, rows)
    return csv_response(table)


def _entry(issuer: PublicIssuer) -> dict:
    """One issuer in the JSON download: its keys are stable, in English, in any language."""
    return {
        "issuer_id": issuer.issuer_id,
        "area_code": issuer.area_code,
        "area_name_zh": issuer.area_name_zh,
        "area_name_en": issuer.area_name_en or None,
        "status": issuer.status,
        "status_label": issuer.status_label,
        "approved_on": issuer.approved_on.isoformat(),
        "filed_on": issuer.filed_on.isoformat() if issuer.filed_on else None,
    }


@require_safe
@rate_limited("public-issuers-json", per_minute=10)
def issuer_register_json(request: HttpRequest) -> HttpResponse:
    issuers = _rows(public_issuers(_search_text(request)).iterator())
    data = {
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "issuers": [_entry(issuer) for issuer in issuers],
    }
    body = json.dumps(data, ensure_ascii=False, indent=1).encode()
    filename = f"national-issuer-register-{timezone.localdate():%Y%m%d}.json"
    return attachment_response(body, filename, "application/json")
