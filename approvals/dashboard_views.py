"""The dashboard of each level: the Ministry's national overview, a province's with its
municipal bureaus, a bureau's own cases and what they wait for. Tiles and charts are drawn
from the same stored figures (`dashboard`), each chart with its table and its CSV/XLSX; the
overdue list and a bureau's waiting cases are read live."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from issuers.access import visible_issuers
from issuers.membership import department_of
from issuers.models import Department, Division
from worktime.models import TimeLimit

from . import dashboard, exports
from .charts import Chart, Series
from .models import Action, DashboardFigures, Step
from .search import OverdueListing, paginate


def _step_label(step: str) -> str:
    if step == dashboard.RETURNED:
        return _("Returned to the applicant")
    return str(Step(step).label) if step in Step.values else step


def _area_names(codes: list[str]) -> dict[str, str]:
    """Division names in the reader's language (Chinese when no English name is known)."""
    english = get_language().startswith("en")
    return {
        d.code: (d.name_en if english and d.name_en else d.name_zh)
        for d in Division.objects.filter(code__in=codes)
    }


def month_label(month: str) -> str:
    """ "2026-01" drawn short ("Jan", "1月"); the table and the note keep the year."""
    year, number = month.split("-")
    if get_language().startswith("zh"):
        return f"{int(number)}月"
    return date_format(datetime.date(int(year), int(number), 1), "M")


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def build_charts(figures: dict, level: str) -> list[Chart]:
    """The charts of a level's dashboard, from its stored figures."""
    months = figures["months"]
    short_months = [month_label(m) for m in months]
    span = f"{months[0]} – {months[-1]}"
    steps = [s for s in [*Step.values, dashboard.RETURNED] if s in figures["backlog"]]
    charts = [
        Chart(
            "backlog-by-step",
            _("Open cases by step"),
            [_step_label(s) for s in steps],
            [Series(_("Cases"), [figures["backlog"][s] for s in steps])],
            horizontal=True,
            category_header=_("Step"),
        )
    ]
    if "provinces" in figures:
        provinces = figures["provinces"]
        names = _area_names([f"{code}0000" for code in provinces])
        labels = [names.get(f"{code}0000", code) for code in provinces]
        charts.append(
            Chart(
                "backlog-by-province",
                _("Open cases by province"),
                labels,
                [Series(_("Cases"), [p["open"] for p in provinces.values()])],
                horizontal=True,
                category_header=_("Province"),
            )
        )
    if "bureaus" in figures:
        bureaus = figures["bureaus"]
        names = _area_names(list(bureaus))
        charts.append(
            Chart(
                "backlog-by-bureau",
                _("Open cases of the municipal bureaus"),
                [names.get(code, code) for code in bureaus],
                [Series(_("Cases"), [b["open"] for b in bureaus.values()])],
                horizontal=True,
                category_header=_("Area"),
            )
        )
    charts += [
        Chart(
            "received-decided",
            _("Cases received and decided per month"),
            months,
            [
                Series(_("Received"), figures["received"]),
                Series(_("Decided (approved or rejected)"), figures["decided"]),
            ],
            short_labels=short_months,
            category_header=_("Month"),
            note=span,
        ),
        Chart(
            "outcomes",
            _("Decisions per month"),
            months,
            [
                Series(str(Action(action).label), figures["outcomes"][action])
                for action in dashboard.OUTCOMES
            ],
            short_labels=short_months,
            category_header=_("Month"),
            note=span,
        ),
    ]
    cycle = figures["cycle"]
    cycle_steps = [s for s in Step.values if s in cycle]
    charts.append(
        Chart(
            "cycle-time",
            _("Time taken per step, in working days (steps ended in the last 12 months)"),
            [_step_label(s) for s in cycle_steps],
            [
                Series(_("Median"), [cycle[s]["median"] for s in cycle_steps]),
                Series(_("90th percentile"), [cycle[s]["p90"] for s in cycle_steps]),
            ],
            table_only=[Series(_("Steps ended"), [cycle[s]["count"] for s in cycle_steps])],
            unit=_("working days"),
            horizontal=True,
            category_header=_("Step"),
            note=_("Suspended time (testing, expert review) does not count (art. 45)."),
        )
    )
    charts.append(
        Chart(
            "on-time-by-step",
            _("Steps ended within the time limit, per step (%)"),
            [_step_label(s) for s in cycle_steps],
            [
                Series(
                    _("On time (%)"),
                    [_percent(cycle[s]["on_time"], cycle[s]["count"]) for s in cycle_steps],
                )
            ],
            table_only=[Series(_("Steps ended"), [cycle[s]["count"] for s in cycle_steps])],
            unit="%",
            horizontal=True,
            category_header=_("Step"),
        )
    )
    if "provinces" in figures:
        provinces = figures["provinces"]
        names = _area_names([f"{code}0000" for code in provinces])
        charts.append(
            Chart(
                "on-time-by-province",
                _("Steps ended within the time limit, per province (%)"),
                [names.get(f"{code}0000", code) for code in provinces],
                [
                    Series(
                        _("On time (%)"),
                        [_percent(p["on_time"], p["finished"]) for p in provinces.values()],
                    )
                ],
                table_only=[Series(_("Steps ended"), [p["finished"] for p in provinces.values()])],
                unit="%",
                horizontal=True,
                category_header=_("Province"),
            )
        )
    if "examinations" in figures:
        limit = TimeLimit.objects.filter(step="application.provincial_examination").first()
        amount = limit.amount if limit else 20
        buckets = [
            f"{low}–{high}" if high is not None else f"> {low - 1}"
            for low, high in dashboard.EXAMINATION_BUCKETS
        ]
        charts.append(
            Chart(
                "examination-times",
                _("Our preliminary examinations by working days taken (limit: %(days)s)")
                % {"days": amount},
                buckets,
                [Series(_("Examinations"), figures["examinations"])],
                category_header=_("Working days"),
                note=_("Licensing Law art. 43: 20 working days from acceptance."),
            )
        )
    if figures["issuers"] and level != "municipal":
        years = list(figures["issuers"])
        charts.append(
            Chart(
                "issuers-per-year",
                _("Issuers approved and filed per year"),
                years,
                [
                    Series(
                        _("Approved (issuer ID allocated)"),
                        [figures["issuers"][y][0] for y in years],
                    ),
                    Series(_("Filed"), [figures["issuers"][y][1] for y in years]),
                ],
                category_header=_("Year"),
            )
        )
    return charts


def _level(user) -> str:
    department = department_of(user)
    if user.is_superuser or (department and department.kind == Department.Kind.MINISTRY):
        return "ministry"
    return (
        "province" if department and department.kind == Department.Kind.PROVINCIAL else "municipal"
    )


def _dashboard(request: HttpRequest) -> tuple[DashboardFigures, str, list[Chart]]:
    stored = dashboard.figures_for(request.user)
    if stored is None:
        raise Http404
    level = _level(request.user)
    return stored, level, build_charts(stored.figures, level)


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    stored = dashboard.figures_for(request.user)
    if stored is None:
        return render(request, "approvals/dashboard.html", {"no_dashboard": True})
    level = _level(request.user)
    context = {
        "stored": stored,
        "tiles": stored.figures["tiles"],
        "level": level,
        "charts": build_charts(stored.figures, level),
        "overdue": dashboard.overdue_steps(request.user),
        "department": department_of(request.user),
    }
    if level == "municipal":
        context["waiting"] = dashboard.waiting_cases(request.user)
        context["issuers"] = visible_issuers(request.user).select_related("division")
    return render(request, "approvals/dashboard.html", context)


@login_required
def chart_export(request: HttpRequest, slug: str, file_format: str) -> HttpResponse:
    """A dashboard chart's numbers, as its table shows them."""
    _stored, _level_name, charts = _dashboard(request)
    chart = next((c for c in charts if c.slug == slug), None)
    if chart is None or file_format not in ("csv", "xlsx"):
        raise Http404
    table = exports.Table(chart.slug, chart.title, chart.header, chart.rows)
    if file_format == "csv":
        return exports.csv_response(table)
    return exports.xlsx_response(table)


@login_required
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Every overdue step on cases the user may see, the longest overdue first."""
    listing = OverdueListing(request.user, request.GET)
    return render(
        request,
        "approvals/overdue.html",
        {"clocks": paginate(request, listing.clocks), "listing": listing},
    )
