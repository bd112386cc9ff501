from django.urls import path

from karpear.livelihoods import bank_views, views

app_name = "livelihoods"
urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<uuid:uuid>/", views.group_detail, name="group_detail"),
    path("groups/<uuid:uuid>/edit/", views.group_edit, name="group_edit"),
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
    # in-kind banks (bank_views)
    path("groups/<uuid:uuid>/banks/", bank_views.group_banks, name="group_banks"),
    path("groups/<uuid:uuid>/banks/new/", bank_views.bank_create, name="bank_create"),
    path("banks/<uuid:uuid>/", bank_views.bank_detail, name="bank_detail"),
    path("banks/<uuid:uuid>/edit/", bank_views.bank_edit, name="bank_edit"),
    path("banks/<uuid:uuid>/stock-in/", bank_views.bank_deposit, name="bank_deposit"),
    path("banks/<uuid:uuid>/loss/", bank_views.bank_loss, name="bank_loss"),
    path("banks/<uuid:uuid>/lend/", bank_views.bank_lend, name="bank_lend"),
    path("banks/<uuid:uuid>/animals/new/", bank_views.animal_create, name="animal_create"),
    path("bank-loans/<uuid:uuid>/", bank_views.bank_loan_detail, name="bank_loan_detail"),
    path("bank-loans/<uuid:uuid>/repay/", bank_views.bank_loan_repay, name="bank_loan_repay"),
    path("bank-movements/<uuid:uuid>/reverse/", bank_views.movement_reverse, name="movement_reverse"),
    path("animals/<uuid:uuid>/", bank_views.animal_detail, name="animal_detail"),
    path("animals/<uuid:uuid>/birth/", bank_views.animal_birth, name="animal_birth"),
    path("animals/<uuid:uuid>/pass-on/", bank_views.animal_pass_on, name="animal_pass_on"),
    path("animals/<uuid:uuid>/end/", bank_views.animal_end, name="animal_end"),
    path("animals/<uuid:uuid>/replace/", bank_views.animal_replace, name="animal_replace"),
    path("animals/<uuid:uuid>/repay/", bank_views.animal_repay, name="animal_repay"),
]
