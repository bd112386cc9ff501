from django.urls import path

from karpear.core import views, views_auth

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("account/login/", views_auth.LoginView.as_view(), name="login"),
    path("account/logout/", views_auth.LogoutView.as_view(), name="logout"),
    path("account/password/", views_auth.PasswordChangeView.as_view(), name="password_change"),
    path("account/two-factor/", views_auth.two_factor, name="two_factor"),
    path("account/organisation/", views_auth.organisation_switch, name="organisation_switch"),
    path("about/", views_auth.about, name="about"),
    path("language/", views_auth.language_switch, name="language_switch"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/export/", views.person_export, name="person_export"),
    path("people/<uuid:uuid>/", views.person_detail, name="person_detail"),
    path("people/<uuid:uuid>/edit/", views.person_edit, name="person_edit"),
    path("people/<uuid:uuid>/consents/", views.person_consent, name="person_consent"),
    path("people/<uuid:uuid>/access-log/", views.person_access_log, name="person_access_log"),
    path("places/", views.place_search, name="place_search"),
    path("places/picker/", views.place_picker, name="place_picker"),
    path("jobs/<uuid:uuid>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:uuid>/download/", views.job_download, name="job_download"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<uuid:uuid>/", views.member_edit, name="member_edit"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<uuid:uuid>/", views.organisation_detail, name="organisation_detail"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/<uuid:uuid>/", views.programme_detail, name="programme_detail"),
]
