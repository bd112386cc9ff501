from django.urls import path

from karpear.justice import views

app_name = "justice"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_open, name="case_open"),
    path("referrals/<uuid:uuid>/open/", views.case_open_referral, name="case_open_referral"),
    path("cases/<uuid:uuid>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:uuid>/parties/", views.case_parties, name="case_parties"),
    path("cases/<uuid:uuid>/investigation/", views.case_investigation, name="case_investigation"),
    path("cases/<uuid:uuid>/witnesses/", views.case_witnesses, name="case_witnesses"),
    path("cases/<uuid:uuid>/court/", views.case_court, name="case_court"),
    path("cases/<uuid:uuid>/costs/", views.case_costs, name="case_costs"),
    path("cases/<uuid:uuid>/status/", views.case_status, name="case_status"),
    path("cases/<uuid:uuid>/clients/new/", views.case_client, name="case_client"),
    path("cases/<uuid:uuid>/parties/new/", views.case_party, name="case_party"),
    path("cases/<uuid:uuid>/offences/new/", views.case_offence, name="case_offence"),
    path("cases/<uuid:uuid>/steps/new/", views.case_step, name="case_step"),
    path("cases/<uuid:uuid>/evidence/new/", views.case_evidence, name="case_evidence"),
    path("cases/<uuid:uuid>/witnesses/new/", views.case_witness, name="case_witness"),
    path("cases/<uuid:uuid>/submissions/new/", views.case_submission, name="case_submission"),
    path("cases/<uuid:uuid>/hearings/new/", views.case_hearing, name="case_hearing"),
    path("cases/<uuid:uuid>/judgments/new/", views.case_verdict, name="case_verdict"),
    path("cases/<uuid:uuid>/costs/new/", views.case_cost, name="case_cost"),
    path("evidence/<uuid:uuid>/custody/", views.evidence_custody, name="evidence_custody"),
    path("evidence/<uuid:uuid>/file/", views.evidence_download, name="evidence_download"),
    path("witnesses/<uuid:uuid>/statements/", views.witness_statement, name="witness_statement"),
    path("cases/<uuid:uuid>/repatriations/new/", views.case_repatriation, name="case_repatriation"),
    path("repatriations/<uuid:uuid>/status/", views.repatriation_status, name="repatriation_status"),
    path("submissions/<uuid:uuid>/reply/", views.submission_reply, name="submission_reply"),
    path("cases/<uuid:uuid>/advocacy/", views.case_advocacy, name="case_advocacy"),
    path("cases/<uuid:uuid>/escalations/new/", views.case_escalation, name="case_escalation"),
    path("escalations/<uuid:uuid>/response/", views.escalation_response, name="escalation_response"),
    path("cases/<uuid:uuid>/advocacy/new/", views.case_advocacy_add, name="case_advocacy_add"),
    path("cases/<uuid:uuid>/case-studies/new/", views.case_study, name="case_study"),
    path("case-studies/<uuid:uuid>/consent/", views.study_consent, name="study_consent"),
]
