# SPDX-License-Identifier: EUPL-1.2
"""Beheer of the intervention catalogue (approaches and plans are managed in the planner's pages)."""

from django.contrib import admin

from .models import InterventionType


@admin.register(InterventionType)
class InterventionTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "flavour", "law", "article", "typical_duration_weeks", "owner_kind", "is_active")
    list_filter = ("flavour", "owner_kind", "is_active")
    search_fields = ("name", "code", "law", "article")
    readonly_fields = ("uuid", "created", "updated")

    def has_delete_permission(self, request, obj=None):
        return False  # plans refer to catalogue entries; switch an entry off instead
