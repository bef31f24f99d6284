from django.contrib import admin

from .models import CalendarDay, CalendarVersion, CalendarYear, TimeLimit


class CalendarAdmin(admin.ModelAdmin):
    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)  # one query: no row's delete() runs
        CalendarVersion.bump()


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarAdmin):
    list_display = ("date", "is_working_day", "name")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarAdmin):
    list_display = ("year", "source", "loaded_at")


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    """The limits are the steps' own (created with the defaults of the law); an admin edits
    their values, never adds or removes a step."""

    list_display = ("title", "amount", "unit", "extension", "remind_before", "escalate_after")
    readonly_fields = ("step", "legal_basis")
    fields = (
        "step",
        "title",
        "legal_basis",
        "amount",
        "unit",
        "extension",
        "remind_before",
        "escalate_after",
    )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            form.base_fields["amount"].help_text = obj.legal_basis
        return form

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
