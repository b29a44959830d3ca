# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("evaluaties/nieuw/", views.evaluation_new, name="evaluation-new"),
    path("evaluaties/<uuid:uuid>/", views.evaluation_detail, name="evaluation"),
    path("evaluaties/<uuid:uuid>/voortgang/", views.evaluation_progress, name="evaluation-progress"),
    path("gebied/", views.area_search, name="area-search"),
    path("gebied/<str:code>/", views.area_monitoring, name="area"),
    path("gebied/<str:code>/rapport/", views.report, name="report"),
    path("gebied/<str:code>/rapport.pdf", views.report_pdf, name="report-pdf"),
    path("beleving/", views.perceived_import, name="perceived"),
    path("boekhouding/", views.bookkeeping, name="bookkeeping"),
    path("wat-werkt/", views.what_works, name="what-works"),
    path("kenteringen/", views.radar, name="radar"),
]
