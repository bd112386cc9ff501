from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from karpear.core import api, api_schema_views

router = DefaultRouter()
router.register("organisations", api.OrganisationViewSet, basename="organisation")
router.register("programmes", api.ProgrammeViewSet, basename="programme")
router.register("places/provinces", api.ProvinceViewSet, basename="province")
router.register("places/districts", api.DistrictViewSet, basename="district")
router.register("places/communes", api.CommuneViewSet, basename="commune")
router.register("places/villages", api.VillageViewSet, basename="village")
router.register("people", api.PersonViewSet, basename="person")

urlpatterns = [
    path("", include(router.urls)),
    path("places/countries/", api.CountryListView.as_view(), name="country_list"),
    path("auth/token/", api.TokenView.as_view(), name="api_token"),
    path("schema/", api_schema_views.SchemaView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
