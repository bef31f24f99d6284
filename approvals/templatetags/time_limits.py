from django import template
from django.utils.safestring import SafeString

from approvals.due_cells import due_cell

register = template.Library()


@register.filter(name="due_cell")
def due_cell_filter(clock) -> SafeString:
    """{{ case.current_clock|due_cell }}: the list's due column."""
    return due_cell(clock)
