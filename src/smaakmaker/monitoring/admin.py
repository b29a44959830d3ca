# SPDX-License-Identifier: EUPL-1.2
from django.contrib import admin

from smaakmaker.monitoring.models import EffectEvaluation, PerceivedImport, PerceivedValue


@admin.register(EffectEvaluation)
class EffectEvaluationAdmin(admin.ModelAdmin):
    list_display = ["area", "indicator", "treatment_year", "status", "created"]
    list_filter = ["status"]
    readonly_fields = ["result", "donors", "status", "progress", "step", "message", "error_code"]


@admin.register(PerceivedImport)
class PerceivedImportAdmin(admin.ModelAdmin):
    list_display = ["source", "rows", "created"]


@admin.register(PerceivedValue)
class PerceivedValueAdmin(admin.ModelAdmin):
    list_display = ["area", "indicator", "year", "value"]
    list_filter = ["indicator", "year"]
