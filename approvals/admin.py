from django.contrib import admin

from .models import Application, CaseEvent, ChangeKind, ChangeRequest


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "action", "actor", "actor_department", "reason", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyCaseAdmin(admin.ModelAdmin):
    """Cases change only through the procedure, each step with its timeline entry."""

    inlines = [CaseEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyCaseAdmin):
    list_display = ["pk", "department", "get_status_display", "created", "submitted_at"]
    list_filter = ["status"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyCaseAdmin):
    list_display = ["pk", "issuer", "get_status_display", "route", "created"]
    list_filter = ["status", "route"]


@admin.register(ChangeKind)
class ChangeKindAdmin(admin.ModelAdmin):
    """The kinds of change and their routes: the regulation's lists end in "etc."."""

    list_display = ["code", "name", "route"]
    list_editable = ["route"]
