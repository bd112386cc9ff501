from django.urls import path

from karpear.protection import views, views_arrivals

app_name = "protection"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_register, name="case_register"),
    path("arrivals/new/", views.group_arrival, name="group_arrival"),
    path("referred/", views_arrivals.referred_list, name="referred_list"),
    path("referred/<uuid:uuid>/intake/", views_arrivals.referred_intake, name="referred_intake"),
    path("cases/<uuid:uuid>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:uuid>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:uuid>/rights/", views.case_rights, name="case_rights"),
    path("cases/<uuid:uuid>/consent/", views.case_consent, name="case_consent"),
    path("cases/<uuid:uuid>/screening/", views.case_screening, name="case_screening"),
    path("cases/<uuid:uuid>/determination/", views.case_determination, name="case_determination"),
    path("cases/<uuid:uuid>/context/", views.case_context, name="case_context"),
    path("cases/<uuid:uuid>/context/event/", views.context_event_add, name="context_event_add"),
    path("cases/<uuid:uuid>/context/event/remove/", views.context_event_remove, name="context_event_remove"),
    path("cases/<uuid:uuid>/plan/", views.case_plan, name="case_plan"),
    path("cases/<uuid:uuid>/plan/assessment/", views.case_assessment, name="case_assessment"),
    path("cases/<uuid:uuid>/plan/add/", views.plan_add, name="plan_add"),
    path("cases/<uuid:uuid>/plan/remove/", views.plan_remove, name="plan_remove"),
    path("cases/<uuid:uuid>/plan/submit/", views.plan_submit, name="plan_submit"),
    path("cases/<uuid:uuid>/plan/decision/", views.plan_decision, name="plan_decision"),
    path("cases/<uuid:uuid>/services/", views.service_delivered, name="service_delivered"),
    path("cases/<uuid:uuid>/reintegration/", views.case_reintegration, name="case_reintegration"),
    path("cases/<uuid:uuid>/reintegration/placement/", views.placement_add, name="placement_add"),
    path("cases/<uuid:uuid>/reintegration/step/", views.step_done, name="step_done"),
    path("cases/<uuid:uuid>/reintegration/stage/", views.stage_next, name="stage_next"),
    path("cases/<uuid:uuid>/reintegration/return/", views.return_home, name="return_home"),
    path("cases/<uuid:uuid>/reintegration/visit/", views.visit_record, name="visit_record"),
    path("cases/<uuid:uuid>/closure/", views.closure_request, name="closure_request"),
    path("cases/<uuid:uuid>/closure/decision/", views.closure_decision, name="closure_decision"),
    path("cases/<uuid:uuid>/retrafficking/", views.retrafficking_review, name="retrafficking_review"),
    path("cases/<uuid:uuid>/retrafficking/ask/", views.retrafficking_ask, name="retrafficking_ask"),
    path("cases/<uuid:uuid>/file.pdf", views.case_file, name="case_file"),
]
