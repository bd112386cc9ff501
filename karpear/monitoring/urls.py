from django.urls import path

from karpear.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("organisation/", views.organisation_dashboard, name="organisation"),
    path("programmes/<uuid:uuid>/", views.programme_dashboard, name="programme"),
    path("programmes/<uuid:uuid>/report/", views.report, name="report"),
    path("programmes/<uuid:uuid>/targets/", views.period_targets, name="period_targets"),
    path("programmes/<uuid:uuid>/narrative/", views.narrative, name="narrative"),
    path("indicators/<slug:code>/", views.indicator_detail, name="indicator"),
    path("indicators/<slug:code>/records/", views.records, name="records"),
    path("exports/", views.exports, name="exports"),
    path("figures/new/", views.manual_value_add, name="manual_value_add"),
]
