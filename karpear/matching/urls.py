from django.urls import path

from karpear.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("pairs/<uuid:uuid>/", views.pair_detail, name="pair_detail"),
    path("people/<uuid:uuid>/", views.person_check, name="person_check"),
    path("people/<uuid:uuid>/ask/", views.person_ask, name="person_ask"),
    path("inquiries/<uuid:uuid>/done/", views.inquiry_done, name="inquiry_done"),
    path("check-all/", views.batch_start, name="batch_start"),
    path("check-list/", views.list_start, name="list_start"),
    path("check-list/template.csv", views.list_template, name="list_template"),
]
