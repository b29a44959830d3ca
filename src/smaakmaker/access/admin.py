# SPDX-License-Identifier: EUPL-1.2
from django.contrib import admin

from smaakmaker.access.models import ApiToken, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "function_title", "valid_from", "valid_until"]
    list_filter = ["organisation"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with ``smaakmaker apitoken``; here they can be inspected and revoked."""

    list_display = ["name", "prefix", "organisation", "user", "expires", "revoked", "last_used"]
    readonly_fields = ["prefix", "secret_hash", "organisation", "user", "last_used", "created"]
    fields = ["name", "prefix", "organisation", "user", "expires", "revoked", "last_used", "created"]

    def has_add_permission(self, request):
        return False


# --- Covenant -------------------------------------------------------------------------------------
# Covenants, activities and grants decide who sees personal data. They are changed only on the covenant
# pages and through the API (services with their rules and an audit record each); the admin shows them.
# The audit and processing logs are read on /toegang/audit/, never edited.
from smaakmaker.access.models import Covenant, ProcessingActivity, ProcessingGrant  # noqa: E402


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProcessingGrantInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProcessingGrant
    extra = 0


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "covenant", "compartment", "avg_ground", "legal_basis", "retention_days"]
    list_filter = ["compartment", "covenant"]
    inlines = [ProcessingGrantInline]


@admin.register(Covenant)
class CovenantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "status", "valid_from", "valid_until", "privacy_officer"]
    filter_horizontal = ["partners"]
