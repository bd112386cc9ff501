from django.urls import path, re_path

from karpear.outreach import views
from karpear.outreach.models import Topic

app_name = "outreach"
_TOPICS = "|".join(Topic.Slug.values)

urlpatterns = [
    path("", views.portal_home, name="portal_home"),
    path("job-check/", views.job_check, name="job_check"),
    path("who-can-help/", views.who_can_help, name="who_can_help"),
    path("help/", views.help_request, name="help_request"),
    path("status/", views.help_status, name="help_status"),
    re_path(r"^language/(?P<language>km|en)/$", views.portal_language, name="portal_language"),
    path("staff/requests/", views.help_request_list, name="help_request_list"),
    path("staff/requests/<uuid:uuid>/", views.help_request_detail, name="help_request_detail"),
    path("staff/requests/<uuid:uuid>/triage/", views.help_request_triage, name="help_request_triage"),
    re_path(rf"^(?P<slug>{_TOPICS})/$", views.topic_detail, name="topic_detail"),
]
