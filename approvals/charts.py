"""Bar charts drawn on the server as SVG: no chart library, no script, nothing loaded by the
pages that have no chart. The SVG prints, scales, and works under the strict content security
policy; each chart carries its numbers as a table beside it (screen readers, print, CSV).

A chart is categories (the bars' labels) and one or more series (values per category), drawn
as horizontal bars (long category names: steps, provinces) or vertical bars (months, years).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe (Okabe-Ito), distinguishable in grey print too by order and legend.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")


@dataclass
class Series:
    name: str
    values: Sequence[float | int | None]


@dataclass
class Chart:
    """One chart of a dashboard, with the table of its numbers."""

    slug: str  # names its CSV
    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    unit: str = ""
    horizontal: bool = False
    limit: float | None = None  # a reference line, e.g. the statutory time limit
    limit_label: str = ""
    note: str = ""
    category_header: str = ""
    # Columns of the table only (counts behind a rate, say), not drawn.
    table_only: Sequence[Series] = ()
    # Shorter category labels for the drawing (the table keeps the full ones).
    short_labels: Sequence[str] = ()

    @property
    def rows(self) -> list[list]:
        """The table: one row per category, one column per series."""
        columns = [*self.series, *self.table_only]
        return [
            [category, *(s.values[i] for s in columns)]
            for i, category in enumerate(self.categories)
        ]

    @property
    def header(self) -> list[str]:
        return [self.category_header, *(s.name for s in [*self.series, *self.table_only])]

    def label(self, index: int) -> str:
        return (self.short_labels or self.categories)[index]

    @property
    def is_empty(self) -> bool:
        return all(v is None for s in self.series for v in s.values)

    def top(self) -> float:
        values = [v for s in self.series for v in s.values if v is not None]
        return max([*values, self.limit or 0, 1])

    def svg(self) -> SafeString:
        return _horizontal(self) if self.horizontal else _vertical(self)


def _number(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}"


def _text_width(text: str) -> int:
    """About how wide text is drawn at the legend's size (a CJK character is two)."""
    return sum(11 if ord(char) > 0x2E80 else 6 for char in text)


def _legend(chart: Chart, y: int) -> str:
    if len(chart.series) < 2:
        return ""
    entries, x = [], 8
    for i, serie in enumerate(chart.series):
        entries.append((x, y, COLOURS[i % len(COLOURS)], x + 14, y + 9, serie.name))
        x += 14 + _text_width(serie.name) + 18
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
        '<text x="{}" y="{}" class="legend">{}</text>',
        entries,
    )


def _frame(chart: Chart, width: int, height: int, body: str) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{}" height="{}" '
        'viewBox="0 0 {} {}" role="img" aria-labelledby="chart-{}-title">'
        '<title id="chart-{}-title">{}</title>{}</svg>',
        width,
        height,
        width,
        height,
        chart.slug,
        chart.slug,
        chart.title,
        mark_safe(body),  # noqa: S308  # nosec B308, B703: built by format_html here
    )


def _horizontal(chart: Chart) -> SafeString:
    """Bars left to right, one band per category, a bar per series in each band."""
    label_width, bar_width, value_width = 190, 420, 70
    per_bar, gap = 14, 10
    band = per_bar * len(chart.series) + gap
    legend = 22 if len(chart.series) > 1 else 0
    height = legend + band * len(chart.categories) + 8
    width = label_width + bar_width + value_width
    top = chart.top()
    parts = [_legend(chart, 4)]
    for i, category in enumerate(chart.categories):
        y0 = legend + i * band
        parts.append(
            format_html(
                '<text x="{}" y="{}" class="category" text-anchor="end">{}</text>',
                label_width - 8,
                y0 + band / 2 + 1,
                category,
            )
        )
        for j, serie in enumerate(chart.series):
            value = serie.values[i]
            length = 0 if not value else max(1, round(bar_width * value / top))
            y = y0 + j * per_bar
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {} {}</title></rect>"
                    '<text x="{}" y="{}" class="value">{}</text>',
                    label_width,
                    y,
                    length,
                    per_bar - 3,
                    COLOURS[j % len(COLOURS)],
                    category,
                    _number(value),
                    chart.unit,
                    label_width + length + 4,
                    y + per_bar - 4,
                    _number(value),
                )
            )
    if chart.limit:
        x = label_width + round(bar_width * chart.limit / top)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" class="limit"/>'
                '<text x="{}" y="{}" class="limit-label">{}</text>',
                x,
                legend,
                x,
                height - 4,
                x + 3,
                legend + 10,
                chart.limit_label,
            )
        )
    return _frame(chart, width, height, "".join(parts))


def _vertical(chart: Chart) -> SafeString:
    """Columns bottom up, one group per category (months, years), a column per series."""
    plot_height, axis, legend = 160, 34, 22
    per_bar = 12 if len(chart.series) > 1 else 22
    group = per_bar * len(chart.series) + 12
    left = 44
    width = max(360, left + group * len(chart.categories) + 8)
    height = legend + plot_height + axis
    top = chart.top()
    base = legend + plot_height
    parts = [_legend(chart, 4)]
    for tick in sorted({0, round(top / 2), round(top)}):
        y = base - plot_height * tick / top
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" class="grid"/>'
                '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
                left,
                y,
                width,
                y,
                left - 4,
                y + 4,
                _number(round(tick)),
            )
        )
    for i, category in enumerate(chart.categories):
        x0 = left + 6 + i * group
        for j, serie in enumerate(chart.series):
            value = serie.values[i] or 0
            bar = 0 if not value else max(1, round(plot_height * value / top))
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} · {}: {} {}</title></rect>",
                    x0 + j * per_bar,
                    base - bar,
                    per_bar - 2,
                    bar,
                    COLOURS[j % len(COLOURS)],
                    category,
                    serie.name,
                    _number(serie.values[i]),
                    chart.unit,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" class="category" text-anchor="middle">{}</text>',
                x0 + (group - 12) / 2,
                base + 16,
                chart.label(i),
            )
        )
    return _frame(chart, width, height, "".join(parts))
