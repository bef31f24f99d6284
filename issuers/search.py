"""Finding departments and issuers by what officials type: a name in Chinese or English, an
area code or name, an issuer ID, a filing reference.

Departments and divisions are small tables (a few hundred and a few thousand rows): a name
is matched there, and what refers to the matches is then filtered by their keys, which the
foreign-key indexes serve. Issuer IDs and filing references are matched where they are; on
PostgreSQL a trigram index serves `icontains` on them (migration 0008).
"""

import re

from django.db.models import Q, QuerySet

from .models import Department, Division, Issuer


def departments_matching(text: str) -> QuerySet[Department]:
    """Departments whose name (Chinese or English) contains text, or whose area lies within
    an area named or coded so: "浙江" or "33" finds every Zhejiang department, "杭州" the
    Hangzhou bureau and its districts'."""
    within = Q(division__code__startswith=text)
    for code, level in Division.objects.filter(
        Q(name_zh__icontains=text) | Q(name_en__icontains=text)
    ).values_list("code", "level")[:50]:
        prefix = {Division.Level.PROVINCE: 2, Division.Level.PREFECTURE: 4}.get(level, 6)
        within |= Q(division__code__startswith=code[:prefix])
    return Department.objects.filter(Q(name__icontains=text) | Q(name_en__icontains=text) | within)


def issuers_matching(text: str) -> QuerySet[Issuer]:
    """Issuers by issuer ID or filing reference (any part of either)."""
    return Issuer.objects.filter(Q(issuer_id__icontains=text) | Q(filing_reference__icontains=text))


# Issuer IDs and filing references are ASCII codes: only such text can be part of one (a
# Chinese name would make the database read every issuer, no trigram index serving it).
ASCII_CODE = re.compile(r"[A-Za-z0-9]")
# Up to this many matching issuers are handed to the query as keys (which its index serves
# beside the department's); a fragment most issuers share stays a subquery.
MATCHED_KEYS = 2000


def issuer_search(text: str) -> Q:
    """The register's search: an issuer's ID, filing reference, department or area."""
    found = Q(department__in=list(departments_matching(text).values_list("pk", flat=True)))
    if ASCII_CODE.search(text):
        matching = issuers_matching(text).values_list("pk", flat=True)
        keys = list(matching[: MATCHED_KEYS + 1])
        found |= Q(pk__in=matching if len(keys) > MATCHED_KEYS else keys)
    return found
