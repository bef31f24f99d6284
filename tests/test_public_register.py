"""The public national issuer register: anyone, no login; only filed issuers; nothing internal;
a request budget per client address."""

import csv
import datetime
import io
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from issuers.models import Issuer
from tests.helpers import APPLICATION_DATA, approved, changed, filed

PAGE, CSV, JSON = "/public/issuers/", "/public/issuers.csv", "/public/issuers.json"
FILING_REFERENCE = "ICRC-PUBLIC-4711"
PUBLIC_KEYS = {
    "issuer_id",
    "area_code",
    "area_name_zh",
    "area_name_en",
    "status",
    "status_label",
    "approved_on",
    "filed_on",
}


@pytest.fixture(autouse=True)
def _fresh_budgets():
    """Each test starts with every address's budget full, and leaves it so for the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def register(personas):
    """Hangzhou's issuer, filed, with a change request under examination; Shenzhen's issuer
    ID approved and allocated, not filed yet."""
    application = filed(personas, "hangzhou", reference=FILING_REFERENCE)
    change = changed(personas, "hangzhou", application.issuer, planned_quantity=5)
    allocated = approved(personas, "shenzhen")
    assert allocated.issuer.status == Issuer.Status.ALLOCATED
    return application, change, allocated


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def csv_rows(response) -> list[list[str]]:
    text = body(response)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("url", [PAGE, CSV, JSON])
def test_anyone_opens_the_register_without_logging_in(register, url):
    response = Client().get(url)

    assert response.status_code == 200
    assert register[0].issuer.issuer_id in body(response)


def test_only_filed_issuers_are_listed(register):
    application, _change, allocated = register
    anonymous = Client()
    filed_id, allocated_id = application.issuer.issuer_id, allocated.issuer.issuer_id

    for url in (PAGE, CSV, JSON):
        assert allocated_id not in body(anonymous.get(url)), url
    assert [r[0] for r in csv_rows(anonymous.get(CSV))[1:]] == [filed_id]
    assert [i["issuer_id"] for i in anonymous.get(JSON).json()["issuers"]] == [filed_id]
    # Nor does its ID find it.
    assert "No issuer matches the search." in body(anonymous.get(PAGE, {"q": allocated_id}))
    assert anonymous.get(JSON, {"q": allocated_id}).json()["issuers"] == []


def internal_strings(register, personas) -> list[str]:
    """What the fixtures hold that is no business of the public."""
    application, change, allocated = register
    issuer = application.issuer
    departments = [p.membership.department for p in personas.values() if hasattr(p, "membership")]
    return [
        FILING_REFERENCE,
        application.reference,
        change.reference,
        allocated.reference,
        APPLICATION_DATA["contact_person"],
        APPLICATION_DATA["contact_phone"],
        APPLICATION_DATA["card_supplier"],
        *(d.name for d in departments),
        *(d.name_en for d in departments),
        *(p.email for p in personas.values() if p.email),
        f"/register/{issuer.pk}/",
        f"/cases/{application.pk}/",
        "/cases/",
        "/register/",
        "/admin/",
    ]


@pytest.mark.parametrize("url", [PAGE, CSV, JSON])
def test_nothing_internal_is_in_the_response(register, personas, url):
    text = body(Client().get(url))

    assert [s for s in internal_strings(register, personas) if s in text] == []
    usernames = "|".join(re.escape(name) for name in personas)
    assert re.findall(rf"\b({usernames})\b", text) == []


def test_downloads_hold_the_public_columns_and_nothing_else(register):
    issuer = register[0].issuer
    anonymous = Client()
    approved_on = timezone.localdate(issuer.allocated_at).isoformat()
    filed_on = issuer.filing_date.isoformat()

    rows = csv_rows(anonymous.get(CSV))
    assert rows == [
        ["Issuer ID", "Area code", "Area", "Area, English name", "Status", "Date approved"]
        + ["Filing date"],
        [issuer.issuer_id, "330100", "杭州市", "Hangzhou", "Filed and active", approved_on]
        + [filed_on],
    ]
    data = anonymous.get(JSON).json()
    assert set(data) == {"generated_at", "issuers"}
    assert datetime.datetime.fromisoformat(data["generated_at"]).tzinfo is not None
    assert data["issuers"] == [
        {
            "issuer_id": issuer.issuer_id,
            "area_code": "330100",
            "area_name_zh": "杭州市",
            "area_name_en": "Hangzhou",
            "status": "filed",
            "status_label": "Filed and active",
            "approved_on": approved_on,
            "filed_on": filed_on,
        }
    ]
    assert set(data["issuers"][0]) == PUBLIC_KEYS


def test_the_page_shows_the_public_columns(register):
    issuer = register[0].issuer
    text = body(Client().get(PAGE))

    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", text)]
    assert cells[:4] == [issuer.issuer_id, "330100", "杭州市 Hangzhou", "Filed and active"]
    assert len(cells) == 6


@pytest.mark.parametrize("text", ["浙江", "Zhejiang", "3301", "杭州", "0001"])
def test_the_search_finds_an_issuer_by_its_id_or_its_area(register, text):
    page = body(Client().get(PAGE, {"q": text}))

    assert register[0].issuer.issuer_id in page


@pytest.mark.parametrize("text", [FILING_REFERENCE, "ICRC", "人力资源", "HRSS"])
def test_the_search_confirms_nothing_the_page_does_not_show(register, text):
    """A filing reference or a department's name finds nothing: otherwise the search would
    tell which issuer a reference or a department belongs to."""
    page = body(Client().get(PAGE, {"q": text}))

    assert register[0].issuer.issuer_id not in page
    assert "No issuer matches the search." in page


def test_the_downloads_apply_the_search(register):
    anonymous = Client()

    assert anonymous.get(JSON, {"q": "广东"}).json()["issuers"] == []
    assert len(csv_rows(anonymous.get(CSV, {"q": "浙江"}))) == 2


def test_labels_follow_the_language(register):
    anonymous = Client()

    english = body(anonymous.get(PAGE))
    chinese = body(anonymous.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-CN"))
    assert "Issuer ID" in english and "Filed and active" in english
    assert "发卡机构标识号" in chinese and "行政区划代码" in chinese and "已备案生效" in chinese
    assert "Filed and active" not in chinese
    header = csv_rows(anonymous.get(CSV, HTTP_ACCEPT_LANGUAGE="zh-CN"))[0]
    assert header[:3] == ["发卡机构标识号", "行政区划代码", "地区"]
    entry = anonymous.get(JSON, HTTP_ACCEPT_LANGUAGE="zh-CN").json()["issuers"][0]
    assert (entry["status"], entry["status_label"]) == ("filed", "已备案生效")


def test_an_anonymous_visitor_switches_the_language(register):
    anonymous = Client()
    assert 'name="language" value="zh-hans"' in body(anonymous.get(PAGE))

    response = anonymous.post("/i18n/setlang/", {"language": "zh-hans", "next": PAGE})

    assert response.status_code == 302
    assert response.url == PAGE
    assert "已备案生效" in body(anonymous.get(PAGE))


def test_the_page_links_nowhere_inside_the_application(register):
    text = body(Client().get(PAGE))

    links = set(re.findall(r'(?:href|action)="([^"]*)"', text))
    assert links <= {"?", "/i18n/setlang/", CSV, JSON} | {
        link for link in links if link.startswith("/static/")
    }


# --- The request budget --------------------------------------------------------------------


def at(moment: datetime.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


MINUTE_START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("url", "budget"), [(PAGE, 60), (CSV, 10), (JSON, 10)])
def test_too_many_requests_get_429_until_the_minute_is_over(db, url, budget):
    anonymous = Client()
    with at(MINUTE_START + datetime.timedelta(seconds=15)):
        assert {anonymous.get(url).status_code for _ in range(budget)} == {200}
        refused = anonymous.get(url)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert "Too many requests" in body(refused)
    with at(MINUTE_START + datetime.timedelta(seconds=59)):
        assert anonymous.get(url).status_code == 429
    with at(MINUTE_START + datetime.timedelta(seconds=60)):
        assert anonymous.get(url).status_code == 200


def test_each_address_has_its_own_budget_and_each_download_its_own(db):
    with at(MINUTE_START):
        for _ in range(10):
            Client(REMOTE_ADDR="203.0.113.1").get(CSV)
        assert Client(REMOTE_ADDR="203.0.113.1").get(CSV).status_code == 429
        assert Client(REMOTE_ADDR="203.0.113.2").get(CSV).status_code == 200
        assert Client(REMOTE_ADDR="203.0.113.1").get(JSON).status_code == 200
        assert Client(REMOTE_ADDR="203.0.113.1").get(PAGE).status_code == 200


def test_behind_the_proxy_the_forwarded_address_counts_and_a_forged_one_does_not(db, settings):
    settings.TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    with at(MINUTE_START):
        for forged in range(10):
            Client(**proxy).get(CSV, HTTP_X_FORWARDED_FOR=f"198.51.100.{forged}, 203.0.113.1")
        spoofing = Client(**proxy).get(CSV, HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.1")
        neighbour = Client(**proxy).get(CSV, HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert spoofing.status_code == 429
    assert neighbour.status_code == 200


def test_refused_methods_spend_nothing(db):
    anonymous = Client()
    with at(MINUTE_START):
        for _ in range(20):
            assert anonymous.post(CSV).status_code == 405
        assert anonymous.get(CSV).status_code == 200
