# SPDX-License-Identifier: EUPL-1.2
"""Management of the published configuration only: the signal-kind catalogue and the alert rules.

Addresses, signals, cases and decisions are personal data and are deliberately not in the admin:
every read of them goes through the selectors (covenant check, audit, processing log).
"""

from django.contrib import admin

from smaakmaker.cases.models import AlertRule, SignalKind


@admin.register(SignalKind)
class SignalKindAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "activity", "flavour", "is_active"]
    list_filter = ["is_active", "flavour"]
    search_fields = ["label", "code"]


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "min_signals", "min_partners", "window_days", "action", "is_published"]
    list_filter = ["is_published"]
