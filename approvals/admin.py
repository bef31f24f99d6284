from django.contrib import admin

from .models import Application, CaseEvent, ChangeKind, ChangeRequest


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "action", "actor", "actor_department", "reason", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["pk", "department", "status", "created", "submitted_at"]
    list_filter = ["status"]
    inlines = [CaseEventInline]

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(ChangeKind)
class ChangeKindAdmin(admin.ModelAdmin):
    """The kinds of change and their routes: the regulation's lists end in "etc."."""

    list_display = ["code", "name", "route"]
    list_editable = ["route"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "issuer", "status", "route", "created"]
    list_filter = ["status", "route"]

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False
