from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import CardSpecification, Department, Division, Issuer, Membership


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name_zh", "name_en"]
    raw_id_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(GuardedModelAdmin):
    list_display = ["name", "kind", "division"]
    list_filter = ["kind"]
    search_fields = ["name", "division__code"]
    raw_id_fields = ["division"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "created"]
    raw_id_fields = ["user", "department"]

    def has_change_permission(self, request, obj=None):
        # Memberships carry object permissions: change them with add_member/remove_member.
        return False


class MadeByTheProcedureOnly(admin.ModelAdmin):
    """Issuers and their registered versions come only from the procedure (approval, filing,
    change requests), which allocates, records and times them: the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Issuer)
class IssuerAdmin(MadeByTheProcedureOnly):
    list_display = ["issuer_id", "department", "status", "filing_reference", "filing_date"]
    list_filter = ["status"]
    search_fields = ["issuer_id", "department__name"]


@admin.register(CardSpecification)
class CardSpecificationAdmin(MadeByTheProcedureOnly):
    list_display = ["issuer", "version", "created_at", "card_supplier", "card_product"]
