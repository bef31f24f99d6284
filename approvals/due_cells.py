"""The due column of every list (due date, state, extended, provisional), rendered in Python:
a template include per row cost more than the rest of the row (bench.due_columns)."""

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import ClockState, StepClock


def due_cell(clock: StepClock | None) -> SafeString:
    if clock is None or clock.stopped_at is not None:
        return mark_safe("")  # noqa: S308 - a constant
    state = ClockState(clock.state(timezone.now()))
    html = format_html(
        '<span class="due">{}</span> <span class="clock-state state-{}">{}</span>',
        formats.date_format(clock.due_date, "SHORT_DATE_FORMAT"),
        state.value,
        state.label,
    )
    if clock.is_extended:
        html += format_html(' <span class="clock-state state-extended">{}</span>', _("Extended"))
    if clock.provisional:
        html += format_html(
            ' <span class="clock-state state-provisional">{}</span>', _("Provisional")
        )
    return html
