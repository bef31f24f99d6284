"""The search box and filters of the case lists, the change list, the register and the task
lists: what an official types finds the case, filters combine and stay in the URL, and a
search never finds (nor offers to filter by) what the user could not open."""

import datetime
import re

import pytest
from django.utils import timezone

from approvals import procedure
from approvals.flows import IssuanceFlow
from approvals.models import Case
from approvals.search import CappedPaginator
from tests.helpers import APPLICATION_DATA, applied, changed, filed, filed_issuer, page


def references(html: str) -> set[str]:
    return set(re.findall(r">((?:SSC|CHG)-\d{4}-\d{6})<", html))


@pytest.fixture
def cases(personas):
    """Hangzhou and Ningbo (Zhejiang, municipal), Zhejiang itself, Shenzhen (Guangdong) and
    Beijing filed; every one submitted."""
    return {
        "hangzhou": filed(personas, "hangzhou", reference="ICRC-2026-HZ-0042"),
        "ningbo": applied(personas, "ningbo"),
        "zhejiang": applied(personas, "zhejiang"),
        "shenzhen": applied(personas, "shenzhen"),
        "beijing": filed(personas, "beijing", reference="ICRC-2026-BJ-0007"),
    }


def found(client, query: str, url: str = "/cases/") -> set[str]:
    return references(page(client, f"{url}?{query}"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=杭州", {"hangzhou"}),  # Chinese department name
        ("q=Ningbo", {"ningbo"}),  # English name, any case
        ("q=ningbo", {"ningbo"}),
        ("q=浙江", {"hangzhou", "ningbo", "zhejiang"}),  # a province's name covers its areas
        ("q=3302", {"ningbo"}),  # an area code, from its start
        ("q=44", {"shenzhen"}),
        ("q=ICRC-2026-BJ", {"beijing"}),  # part of a filing reference
    ],
)
def test_the_ministry_finds_cases_by_name_area_and_filing_reference(
    cases, client_for, query, expected
):
    assert found(client_for("ministry"), query) == {cases[c].reference for c in expected}


def test_a_case_is_found_by_its_reference_in_full_or_by_its_number(cases, client_for):
    ministry = client_for("ministry")
    ningbo = cases["ningbo"]
    assert found(ministry, f"q={ningbo.reference}") == {ningbo.reference}
    assert found(ministry, f"q={ningbo.reference.lower()}") == {ningbo.reference}
    # A bare number may also be part of an issuer ID: the case is among what it finds.
    assert ningbo.reference in found(ministry, f"q={ningbo.pk:06d}")


def test_a_case_is_found_by_its_issuer_id(cases, client_for):
    beijing = cases["beijing"]
    issuer_id = beijing.issuer.issuer_id
    assert found(client_for("ministry"), f"q={issuer_id}") == {beijing.reference}
    assert found(client_for("ministry"), f"q={issuer_id[-6:]}") == {beijing.reference}


def test_a_province_never_finds_another_provinces_cases(cases, client_for):
    zhejiang = client_for("zhejiang")
    assert found(zhejiang, "q=深圳") == set()
    assert found(zhejiang, "q=Shenzhen") == set()
    assert found(zhejiang, f"q={cases['shenzhen'].reference}") == set()
    assert found(zhejiang, "q=ICRC-2026-BJ") == set()
    assert found(zhejiang, "q=浙江") == {
        cases[c].reference for c in ("hangzhou", "ningbo", "zhejiang")
    }


def test_a_bureau_finds_only_its_own_cases(cases, client_for):
    hangzhou = client_for("hangzhou")
    assert found(hangzhou, "q=浙江") == {cases["hangzhou"].reference}
    assert found(hangzhou, f"q={cases['ningbo'].reference}") == set()


def test_the_filters_offer_only_areas_within_the_jurisdiction(cases, client_for):
    zhejiang = page(client_for("zhejiang"), "/cases/")
    assert "330200" in zhejiang and "440300" not in zhejiang
    assert 'name="province"' not in zhejiang  # one province: nothing to choose
    ministry = page(client_for("ministry"), "/cases/")
    # The Ministry chooses a province first, then one of its areas.
    assert 'name="province"' in ministry and 'name="area"' not in ministry
    guangdong = page(client_for("ministry"), "/cases/?province=44")
    assert "440300" in guangdong and "330200" not in guangdong
    hangzhou = page(client_for("hangzhou"), "/cases/")
    assert 'name="area"' not in hangzhou and 'name="level"' not in hangzhou


def test_filters_combine(cases, client_for, personas):
    ministry = client_for("ministry")
    everything = {c.reference for c in cases.values()}
    assert found(ministry, "") == everything
    assert found(ministry, "province=33") == {
        cases[c].reference for c in ("hangzhou", "ningbo", "zhejiang")
    }
    assert found(ministry, "province=33&level=municipal") == {
        cases[c].reference for c in ("hangzhou", "ningbo")
    }
    assert found(ministry, "province=33&level=municipal&status=filed") == {
        cases["hangzhou"].reference
    }
    assert found(ministry, "area=440300") == {cases["shenzhen"].reference}
    assert found(ministry, "level=provincial&q=北京") == {cases["beijing"].reference}


def test_the_step_filter_finds_the_cases_at_that_step(cases, client_for):
    ministry = client_for("ministry")
    assert found(ministry, "step=acceptance") == {
        cases[c].reference for c in ("ningbo", "zhejiang", "shenzhen")
    }
    assert found(ministry, "step=ministry_review") == set()


def test_submitted_between_filters_by_the_first_submission(cases, client_for):
    Case.objects.filter(pk=cases["zhejiang"].pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=40)
    )
    ministry = client_for("ministry")
    today = timezone.localdate()
    month_ago = today - datetime.timedelta(days=30)
    recent = found(ministry, f"submitted_after={month_ago}&submitted_before={today}")
    assert cases["zhejiang"].reference not in recent and cases["ningbo"].reference in recent
    assert found(ministry, f"submitted_before={month_ago}") == {cases["zhejiang"].reference}


def test_waiting_for_my_department_lists_the_cases_at_its_step(cases, client_for):
    # The province accepts and examines its municipal bureaus' cases; the Ministry decides
    # provincial ones.
    assert found(client_for("zhejiang"), "mine=on") == {cases["ningbo"].reference}
    assert found(client_for("ministry"), "mine=on") == {cases["zhejiang"].reference}
    assert found(client_for("guangdong"), "mine=on") == {cases["shenzhen"].reference}


def test_waiting_for_my_department_includes_its_own_case_returned_to_it(
    cases, client_for, personas
):
    ningbo = cases["ningbo"]
    procedure.decide(
        ningbo, IssuanceFlow.provincial_examination, personas["zhejiang"], "return", "stamp"
    )
    assert found(client_for("ningbo"), "mine=on") == {ningbo.reference}
    assert ningbo.reference not in found(client_for("zhejiang"), "mine=on")


def test_a_filtered_list_keeps_its_search_in_the_pagination_links(cases, client_for, monkeypatch):
    monkeypatch.setattr("approvals.search.paginate.__defaults__", (2,))
    html = page(client_for("ministry"), "/cases/?q=浙江&sort=due")
    assert "q=%E6%B5%99%E6%B1%9F&amp;sort=due&page=2" in html
    assert "3 found" in html


def test_bad_filter_values_say_so_and_find_nothing(cases, client_for):
    html = page(client_for("ministry"), "/cases/?status=nonsense")
    assert "Select a valid choice" in html
    assert references(html) == set()


def test_the_count_stops_at_the_cap_and_says_so(cases, client_for, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "CAP", 3)
    html = page(client_for("ministry"), "/cases/")
    assert "More than 3 found" in html
    assert "Page 1 of" not in html


def test_the_change_list_is_searched_by_issuer_and_department(personas, client_for):
    issuer = filed_issuer(personas, "beijing")
    change = changed(personas, "beijing", issuer, planned_quantity=9_000_000)
    ministry = client_for("ministry")
    assert found(ministry, f"q={issuer.issuer_id}", "/changes/") == {change.reference}
    assert found(ministry, "q=北京", "/changes/") == {change.reference}
    assert found(ministry, "q=浙江", "/changes/") == set()
    assert found(client_for("zhejiang"), "q=北京", "/changes/") == set()


def test_the_register_is_searched_within_the_jurisdiction(cases, client_for):
    hangzhou_id = cases["hangzhou"].issuer.issuer_id
    beijing_id = cases["beijing"].issuer.issuer_id

    def listed(client, query: str) -> set[str]:
        return set(re.findall(r"<strong>(\w+)</strong>", page(client, f"/register/?{query}")))

    assert listed(client_for("ministry"), "q=ICRC-2026-HZ") == {hangzhou_id}
    assert listed(client_for("ministry"), "q=北京") == {beijing_id}
    assert listed(client_for("zhejiang"), "q=杭州") == {hangzhou_id}
    assert listed(client_for("zhejiang"), f"q={beijing_id}") == set()
    assert "No issuer matches the search." in page(
        client_for("zhejiang"), f"/register/?q={beijing_id}"
    )


def test_the_task_queue_is_searched_by_the_case(cases, client_for):
    ministry = client_for("ministry")
    zhejiang_case = cases["zhejiang"]
    queue = IssuanceFlow.instance.reverse("queue")
    html = page(ministry, f"{queue}?q=浙江")
    assert zhejiang_case.reference in html
    assert zhejiang_case.reference not in page(ministry, f"{queue}?q=北京")
    assert cases["ningbo"].reference not in page(client_for("zhejiang"), f"{queue}?q=广东")


def test_a_draft_is_found_only_by_its_own_department(personas, client_for):
    draft = procedure.draft(personas["ningbo"], **APPLICATION_DATA)
    assert found(client_for("ningbo"), "q=宁波") == {draft.reference}
    assert found(client_for("zhejiang"), "q=宁波") == set()
    assert found(client_for("ministry"), f"q={draft.reference}") == set()
