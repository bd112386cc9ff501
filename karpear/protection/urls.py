from django.urls import path

from karpear.protection import views

app_name = "protection"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_register, name="case_register"),
    path("arrivals/new/", views.group_arrival, name="group_arrival"),
    path("cases/<uuid:uuid>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:uuid>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:uuid>/rights/", views.case_rights, name="case_rights"),
    path("cases/<uuid:uuid>/consent/", views.case_consent, name="case_consent"),
    path("cases/<uuid:uuid>/screening/", views.case_screening, name="case_screening"),
    path("cases/<uuid:uuid>/determination/", views.case_determination, name="case_determination"),
]
