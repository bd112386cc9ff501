"""Core's pages and API, then every app's, as each declared them (core.registry.urls): core names no app."""

from django.contrib import admin
from django.urls import include, path

from karpear.core import registry

urlpatterns = [
    path("", include("karpear.core.urls")),
    path("api/v1/", include("karpear.core.api_urls")),
    path("admin/", admin.site.urls),
]
for app in registry.url_includes():
    urlpatterns.append(path(app.prefix, include(app.module)))
    if app.api_module:
        urlpatterns.append(path(f"api/v1/{app.prefix}", include(app.api_module)))

handler403 = "karpear.core.views.permission_denied"
