# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

NAVIGATION = (
    ("web:dashboard", _("Dashboard"), None),
    ("areas:index", _("Areas"), None),
    # a door is shown only to who may go through it (the register answers 403 to the others)
    ("cases:index", _("Addresses"), "cases.view_address"),
    ("plans:index", _("Plans"), "plans.view_approach"),
    ("monitoring:index", _("Monitoring"), "monitoring.view_effectevaluation"),
    ("access:index", _("Access"), "access.view_organisation"),
)


def smaakmaker(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for url_name, label, permission in NAVIGATION:
            if permission and not user.has_perm(permission):
                continue
            url = reverse(url_name)
            current = request.path == url if url_name == "web:dashboard" else request.path.startswith(url)
            items.append({"url": url, "label": label, "current": current})
    return {"smaakmaker_demo": settings.DEMO, "smaakmaker_navigation": items}
