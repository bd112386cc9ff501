from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("karpear.core.urls")),
    path("api/v1/", include("karpear.core.api_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "karpear.core.views.permission_denied"
