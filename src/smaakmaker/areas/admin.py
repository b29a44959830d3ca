# SPDX-License-Identifier: EUPL-1.2
from django.contrib import admin

from smaakmaker.areas.models import Area, AreaCrosswalk, ImportBatch, Indicator


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """The indicator catalogue is data: labels, themes and directions edited here are used by the scan."""

    list_display = ["key", "label", "theme", "direction", "unit", "active"]
    list_filter = ["theme", "direction", "active"]
    list_editable = ["active"]
    search_fields = ["key", "label"]
    readonly_fields = ["key"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "classification_year", "last_year", "parent"]
    list_filter = ["level", "custom_kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    filter_horizontal = ["members"]
    exclude = ["geometry"]


@admin.register(AreaCrosswalk)
class AreaCrosswalkAdmin(admin.ModelAdmin):
    list_display = [
        "old_code",
        "old_year",
        "new_code",
        "new_year",
        "share_of_old",
        "share_of_new",
        "basis",
        "source",
    ]
    search_fields = ["old_code", "new_code"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "table_id", "rows", "values", "created", "actor"]
    list_filter = ["kind"]
    readonly_fields = ["source", "sha256", "table_id", "kind", "rows", "values", "notes", "actor", "created"]

    def has_add_permission(self, request):
        return False
