# SPDX-License-Identifier: EUPL-1.2
"""Test-only URLs that fail on purpose, to check error responses end to end."""

from django.urls import include, path
from rest_framework.views import APIView

from smaakmaker.conf.urls import urlpatterns as project_urlpatterns


class Boom(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        raise RuntimeError("deliberate failure for a test")


def boom_page(request):
    raise RuntimeError("deliberate failure for a test")


urlpatterns = [
    path("api/v1/boom", Boom.as_view()),
    path("boom/", boom_page),
    path("", include(project_urlpatterns)),
]

handler400 = "smaakmaker.web.views.bad_request"
handler403 = "smaakmaker.web.views.permission_denied"
handler404 = "smaakmaker.web.views.page_not_found"
handler500 = "smaakmaker.web.views.server_error"
