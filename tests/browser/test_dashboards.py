"""The dashboards and the search box in the browser: each level's charts render as SVG with
their tables and no console error, and a search typed into the case list narrows it and
survives as a link."""

import pytest
from playwright.sync_api import expect

from approvals import dashboard
from tests.helpers import applied, filed

pytestmark = pytest.mark.browser


@pytest.fixture
def cases(personas):
    found = {
        "hangzhou": filed(personas, "hangzhou"),
        "ningbo": applied(personas, "ningbo"),
        "shenzhen": applied(personas, "shenzhen"),
    }
    dashboard.refresh()
    return found


@pytest.mark.parametrize(
    ("persona", "chart"),
    [
        ("ministry", "Open cases by province"),
        ("zhejiang", "Open cases of the municipal bureaus"),
        ("ningbo", "Open cases by step"),
    ],
)
def test_each_levels_dashboard_draws_its_charts_with_their_tables(
    page, log_in, shoot, cases, persona, chart
):
    log_in(persona)
    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("heading", name=chart)).to_be_visible()
    figure = page.locator("figure", has=page.get_by_role("heading", name=chart))
    expect(figure.locator('svg[role=img] rect:not([width="0"])').first).to_be_visible()
    figure.get_by_text("Table").click()
    expect(figure.locator("table tbody tr").first).to_be_visible()
    shoot(persona)


def test_a_search_typed_in_the_case_list_narrows_it_and_is_a_link(page, log_in, cases):
    log_in("ministry")
    page.goto("/cases/")
    page.get_by_role("searchbox").fill("浙江")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name=cases["ningbo"].reference)).to_be_visible()
    expect(page.get_by_role("link", name=cases["shenzhen"].reference)).to_have_count(0)
    assert "q=%E6%B5%99%E6%B1%9F" in page.url
    page.goto(page.url)  # the same search, from the link
    expect(page.get_by_text("2 found")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.startswith("applications-")
