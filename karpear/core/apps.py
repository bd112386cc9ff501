from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "karpear.core"
    label = "core"
    verbose_name = _("Karpear core")

    def ready(self) -> None:
        # Core declares itself through the same registries as every module app (core.declarations).
        # api_fields registers its schema extension with drf-spectacular when imported.
        from karpear.core import api_fields, declarations  # noqa: F401

        declarations.declare()


class KarpearAdminConfig(admin_apps.AdminConfig):
    """Django's admin with Karpear's site (core/admin_site.py): staff enter only past the second factor.

    Named in INSTALLED_APPS in place of "django.contrib.admin"; not the default config of karpear.core.
    """

    default = False
    default_site = "karpear.core.admin_site.KarpearAdminSite"
