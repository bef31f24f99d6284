"""The dashboards: each level sees its own scope, and every tile and chart series equals a
direct count over the cases that user may open; the charts carry their numbers as a table and
a CSV; no chart library is loaded anywhere."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from approvals import dashboard, procedure
from approvals.access import visible_cases
from approvals.dashboard_views import build_charts
from approvals.flows import IssuanceFlow
from approvals.models import Case, CaseEvent, ClockState, DashboardFigures, StepClock
from issuers.access import visible_issuers
from tests.helpers import applied, changed, filed, filed_issuer, page


@pytest.fixture
def world(personas):
    """Cases of two provinces and Beijing in every state the dashboards count."""
    hangzhou = filed(personas, "hangzhou")
    beijing = filed_issuer(personas, "beijing")
    changed(personas, "beijing", beijing, planned_quantity=9_000_000)
    ningbo = applied(personas, "ningbo")
    procedure.decide(
        ningbo, IssuanceFlow.provincial_examination, personas["zhejiang"], "return", "x"
    )
    zhejiang = applied(personas, "zhejiang")
    shenzhen = applied(personas, "shenzhen")
    procedure.decide(
        shenzhen, IssuanceFlow.provincial_examination, personas["guangdong"], "reject", "y"
    )
    guangdong = applied(personas, "guangdong")
    past = timezone.now() - datetime.timedelta(days=5)
    StepClock.objects.filter(pk=guangdong.current_clock_id).update(due_at=past, remind_at=past)
    dashboard.refresh()
    return {"hangzhou": hangzhou, "ningbo": ningbo, "zhejiang": zhejiang, "guangdong": guangdong}


def direct(user) -> dict:
    """The figures, counted the plainest way over what user may open."""
    cases = visible_cases(user, Case).filter(submitted_at__isnull=False)
    running = cases.filter(current_clock__isnull=False, current_clock__stopped_at__isnull=True)
    backlog = {}
    for case in running.select_related("current_clock"):
        backlog[case.current_clock.step] = backlog.get(case.current_clock.step, 0) + 1
    returned = cases.filter(status="returned").count()
    if returned:
        backlog["returned"] = returned
    now = timezone.now()
    months = dashboard.months_back(timezone.localdate(now))
    events = CaseEvent.objects.filter(case__in=cases)
    outcomes = {
        action: [
            events.filter(action=action, at__year=int(m[:4]), at__month=int(m[5:])).count()
            for m in months
        ]
        for action in dashboard.OUTCOMES
    }
    clocks = StepClock.objects.filter(case__in=cases, stopped_at__isnull=False)
    return {
        "tiles": {
            "open": running.count() + returned,
            "overdue": running.filter(
                StepClock.objects.in_state(ClockState.OVERDUE, now, "current_clock__")
            ).count(),
            "received": cases.filter(submitted_at__gte=dashboard.window_start(now.date())).count(),
            "decided": sum(sum(outcomes[a]) for a in ("approved", "rejected")),
        },
        "backlog": backlog,
        "received": [
            cases.filter(submitted_at__year=int(m[:4]), submitted_at__month=int(m[5:])).count()
            for m in months
        ],
        "outcomes": outcomes,
        "ended": {
            step: clocks.filter(step=step).count()
            for step in set(clocks.values_list("step", flat=True))
        },
        "issuers": visible_issuers(user).count(),
        "filed": visible_issuers(user).filter(filed_at__isnull=False).count(),
    }


@pytest.mark.parametrize("persona", ["ministry", "zhejiang", "guangdong", "hangzhou", "ningbo"])
def test_every_tile_and_series_equals_a_direct_count(world, personas, persona):
    user = personas[persona]
    figures = dashboard.figures_for(user).figures
    expected = direct(user)
    assert figures["tiles"] == expected["tiles"]
    assert figures["backlog"] == expected["backlog"]
    assert figures["received"] == expected["received"]
    assert figures["outcomes"] == expected["outcomes"]
    assert {s: c["count"] for s, c in figures["cycle"].items()} == expected["ended"]
    assert sum(a for a, _ in figures["issuers"].values()) == expected["issuers"]
    assert sum(f for _, f in figures["issuers"].values()) == expected["filed"]


def test_the_charts_draw_the_stored_figures(world, personas):
    figures = dashboard.figures_for(personas["ministry"]).figures
    charts = {c.slug: c for c in build_charts(figures, "ministry")}
    assert sum(charts["backlog-by-step"].series[0].values) == figures["tiles"]["open"]
    assert list(charts["received-decided"].series[0].values) == figures["received"]
    by_province = dict(
        zip(
            charts["backlog-by-province"].categories,
            charts["backlog-by-province"].series[0].values,
            strict=True,
        )
    )
    assert by_province == {"Beijing": 1, "Zhejiang": 2, "Guangdong": 1}


def test_the_ministry_sees_the_nation_a_province_itself_and_its_bureaus(world, client_for):
    ministry = page(client_for("ministry"), "/dashboard/")
    assert "Open cases by province" in ministry and "Guangdong" in ministry
    zhejiang = page(client_for("zhejiang"), "/dashboard/")
    assert "Open cases of the municipal bureaus" in zhejiang
    assert "Guangdong" not in zhejiang and "Open cases by province" not in zhejiang
    hangzhou = page(client_for("hangzhou"), "/dashboard/")
    assert "What we are waiting for" in hangzhou and "Our issuer" in hangzhou
    assert world["hangzhou"].issuer.issuer_id in hangzhou


def test_a_bureau_sees_what_it_waits_for_and_since_when(world, client_for):
    html = page(client_for("ningbo"), "/dashboard/")
    assert world["ningbo"].reference in html and "Us: the correction asked for" in html
    zhejiang = page(client_for("zhejiang"), "/dashboard/")
    assert world["zhejiang"].reference not in page(client_for("ningbo"), "/dashboard/")
    assert "What we are waiting for" not in zhejiang


def test_the_overdue_list_is_live_and_scoped(world, client_for):
    guangdong = world["guangdong"].reference
    assert guangdong in page(client_for("ministry"), "/dashboard/")
    assert guangdong in page(client_for("ministry"), "/dashboard/overdue/")
    assert guangdong not in page(client_for("zhejiang"), "/dashboard/overdue/")
    assert guangdong not in page(client_for("zhejiang"), "/dashboard/")


def test_each_chart_has_its_table_and_csv(world, client_for, personas):
    client = client_for("ministry")
    html = page(client, "/dashboard/")
    assert html.count("<svg") >= 5 and html.count('class="chart-table"') == html.count("<figure")
    response = client.get("/dashboard/backlog-by-step.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    figures = dashboard.figures_for(personas["ministry"]).figures
    assert rows[0] == ["Step", "Cases"]
    assert sum(int(r[1]) for r in rows[1:]) == figures["tiles"]["open"]
    assert client.get("/dashboard/outcomes.xlsx").status_code == 200
    assert client.get("/dashboard/nothing.csv").status_code == 404
    # A province has no per-province chart: its URL does not exist for it.
    assert client_for("zhejiang").get("/dashboard/backlog-by-province.csv").status_code == 404


def test_the_dashboard_is_in_the_readers_language(world, client_for):
    client = client_for("zhejiang")
    client.cookies["django_language"] = "zh-hans"
    html = page(client, "/dashboard/")
    assert "概览" in html and "宁波市" in html


def test_figures_are_counted_on_first_view_of_a_new_installation(personas, client_for):
    assert not DashboardFigures.objects.exists()
    assert "open cases" in page(client_for("ministry"), "/dashboard/")
    assert DashboardFigures.objects.filter(scope="national").exists()


def test_a_district_bureau_has_no_dashboard(personas, client_for):
    assert "Dashboards are for the Ministry" in page(client_for("xihu"), "/dashboard/")
    assert client_for("xihu").get("/dashboard/outcomes.csv").status_code == 404


def test_no_page_loads_a_chart_library(world, client_for):
    for url in ("/dashboard/", "/cases/", "/issuance/inbox/"):
        html = page(client_for("ministry"), url)
        assert "vis-network" not in html and "chart.js" not in html.lower()


def test_percentile_is_a_value_that_occurred():
    assert dashboard.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert dashboard.percentile([4], 90) == 4
    assert dashboard.bucket([0, 5, 6, 20, 21, 40]) == [2, 1, 0, 1, 1, 1]


def test_the_app_bars_overdue_count_stops_at_its_cap_and_links_to_the_list(
    world, client_for, personas, monkeypatch
):
    past = timezone.now() - datetime.timedelta(days=5)
    StepClock.objects.filter(pk=world["zhejiang"].current_clock_id).update(
        due_at=past, remind_at=past
    )
    html = page(client_for("ministry"), "/cases/")
    assert "2 overdue" in html and "/dashboard/overdue/?mine=on" in html
    monkeypatch.setattr("approvals.context_processors.OVERDUE_CAP", 1)
    assert "1+ overdue" in page(client_for("ministry"), "/cases/")


def test_the_overdue_list_filters_my_departments_steps(world, client_for, personas):
    guangdong = world["guangdong"].reference
    mine = page(client_for("ministry"), "/dashboard/overdue/?mine=on")
    assert guangdong in mine  # the Ministry's own review step
    ningbo = world["ningbo"]
    past = timezone.now() - datetime.timedelta(days=5)
    procedure.correct(ningbo, personas["ningbo"])
    ningbo.refresh_from_db()
    StepClock.objects.filter(pk=ningbo.current_clock_id).update(due_at=past, remind_at=past)
    assert ningbo.reference not in page(client_for("ministry"), "/dashboard/overdue/?mine=on")
    assert ningbo.reference in page(client_for("ministry"), "/dashboard/overdue/")
    assert ningbo.reference in page(client_for("zhejiang"), "/dashboard/overdue/?mine=on")
