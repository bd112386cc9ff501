from django.urls import path

from karpear.core.tests.sample_module import views

app_name = "sample_module"
urlpatterns = [
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/<uuid:uuid>/", views.visit_detail, name="visit_detail"),
]
