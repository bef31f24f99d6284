"""The due column of every list (due date, state, extended, provisional), rendered in Python:
a template include per row cost more than the rest of the row (bench.due_columns). A cell
depends only on its date, state, flags and the language, which a list's rows share: each
distinct cell is rendered once."""

import datetime
import functools

from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .models import ClockState, StepClock


def due_cell(clock: StepClock | None) -> SafeString:
    if clock is None or clock.stopped_at is not None:
        return SafeString("")
    return _cell(
        translation.get_language(),
        clock.due_date,
        clock.state(timezone.now()),
        clock.is_extended,
        clock.provisional,
    )


@functools.lru_cache(maxsize=4096)
def _cell(
    language: str, due: datetime.date, state: str, extended: bool, provisional: bool
) -> SafeString:
    state = ClockState(state)
    html = format_html(
        '<span class="due">{}</span> <span class="clock-state state-{}">{}</span>',
        formats.date_format(due, "SHORT_DATE_FORMAT"),
        state.value,
        state.label,
    )
    if extended:
        html += format_html(' <span class="clock-state state-extended">{}</span>', _("Extended"))
    if provisional:
        html += format_html(
            ' <span class="clock-state state-provisional">{}</span>', _("Provisional")
        )
    return html
