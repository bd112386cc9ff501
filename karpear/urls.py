"""Core's pages and API, then every app's, as each declared them (core.registry.urls): core names no app."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from karpear.core import api_schema_views, registry

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("karpear.core.urls")),
    path("api/v1/", include("karpear.core.api_urls")),
    path("admin/", admin.site.urls),
]
for app in registry.url_includes():
    urlpatterns.append(path(app.prefix, include(app.module)))
    if app.api_module:
        urlpatterns.append(path(f"api/v1/{app.prefix}", include(app.api_module)))
# Last: a path under the API that names no endpoint (of core or of any app) answers the API's JSON 404.
urlpatterns.append(re_path(r"^api/v1/[\s\S]*$", api_schema_views.not_found, name="api_not_found"))

handler403 = "karpear.core.views.permission_denied"
# Under /api/ these answer in the API's JSON shape; elsewhere Django's HTML pages.
handler400 = "karpear.core.api_errors.bad_request"
handler404 = "karpear.core.api_errors.not_found"
handler500 = "karpear.core.api_errors.server_error"
