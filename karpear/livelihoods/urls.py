from django.urls import path

from karpear.livelihoods import views

app_name = "livelihoods"
urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("indicators/", views.indicators, name="indicators"),
    path("groups/<uuid:uuid>/", views.group_detail, name="group_detail"),
    path("groups/<uuid:uuid>/edit/", views.group_edit, name="group_edit"),
    path("groups/<uuid:uuid>/indicators/", views.group_indicators, name="group_indicators"),
    path("groups/<uuid:uuid>/books/", views.group_books, name="group_books"),
    path("groups/<uuid:uuid>/business-plan/", views.business_plan, name="business_plan"),
    path("groups/<uuid:uuid>/dissolve/", views.group_dissolve, name="group_dissolve"),
    path("groups/<uuid:uuid>/stages/", views.stage_add, name="stage_add"),
    path("groups/<uuid:uuid>/committee/", views.committee_add, name="committee_add"),
    path("groups/<uuid:uuid>/members/", views.member_add, name="member_add"),
    path("groups/<uuid:uuid>/cycles/new/", views.cycle_create, name="cycle_create"),
    path("members/<uuid:uuid>/", views.member_detail, name="member_detail"),
    path("members/<uuid:uuid>/leave/", views.member_leave, name="member_leave"),
    path("cycles/<uuid:uuid>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<uuid:uuid>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("cycles/<uuid:uuid>/share-out/", views.share_out, name="share_out"),
    path("meetings/<uuid:uuid>/", views.meeting_detail, name="meeting_detail"),
    path("entries/<uuid:uuid>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("loans/<uuid:uuid>/", views.loan_detail, name="loan_detail"),
    path("share-outs/<uuid:uuid>/", views.share_out_detail, name="share_out_detail"),
]
