from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("karpear.core.urls")),
    path("api/v1/", include("karpear.core.api_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "karpear.core.views.permission_denied"
# Under /api/ these answer in the API's JSON shape; elsewhere Django's HTML pages.
handler400 = "karpear.core.api_errors.bad_request"
handler404 = "karpear.core.api_errors.not_found"
handler500 = "karpear.core.api_errors.server_error"
