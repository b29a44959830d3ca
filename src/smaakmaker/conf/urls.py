# SPDX-License-Identifier: EUPL-1.2
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Smaakmaker management")
admin.site.site_title = _("Smaakmaker management")
admin.site.index_title = _("Management")
# Management uses the same sign-in (membership check, second factor) as the rest of the app.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("api/v1/", include("smaakmaker.api.urls")),
    path("beheer/", admin.site.urls),
    path("", include("smaakmaker.access.urls")),
    path("gebieden/", include("smaakmaker.areas.urls")),
    path("adressen/", include("smaakmaker.cases.urls")),
    path("plannen/", include("smaakmaker.plans.urls")),
    path("monitoring/", include("smaakmaker.monitoring.urls")),
    path("", include("smaakmaker.web.urls")),
]

handler400 = "smaakmaker.web.views.bad_request"
handler403 = "smaakmaker.web.views.permission_denied"
handler404 = "smaakmaker.web.views.page_not_found"
handler500 = "smaakmaker.web.views.server_error"
