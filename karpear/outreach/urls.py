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

urlpatterns += [
    path("staff/grievances/", views.grievance_list, name="grievance_list"),
    path("staff/grievances/new/", views.grievance_new, name="grievance_new"),
    path("staff/grievances/<uuid:uuid>/", views.grievance_detail, name="grievance_detail"),
    path("staff/grievances/<uuid:uuid>/raise/", views.grievance_raise, name="grievance_raise"),
    path("staff/grievances/<uuid:uuid>/steps/<uuid:step>/answer/", views.grievance_answer, name="grievance_answer"),
    path("staff/grievances/<uuid:uuid>/close/", views.grievance_close, name="grievance_close"),
    path("staff/grievances/<uuid:uuid>/told/", views.grievance_told, name="grievance_told"),
    path("staff/volunteers/", views.volunteer_list, name="volunteer_list"),
    path("staff/volunteers/new/", views.volunteer_new, name="volunteer_new"),
    path("staff/volunteers/<uuid:uuid>/", views.volunteer_detail, name="volunteer_detail"),
    path("staff/volunteers/<uuid:uuid>/edit/", views.volunteer_edit, name="volunteer_edit"),
    path("staff/activities/", views.activity_list, name="activity_list"),
    path("staff/activities/new/", views.activity_new, name="activity_new"),
    path("staff/activities/<uuid:uuid>/", views.activity_detail, name="activity_detail"),
]
