from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    """Survivors' cases from the transit centre to closure (issue 11). Plugs into core through its registries
    alone (docs/writing-a-module.md); core imports nothing of it."""

    name = "karpear.protection"
    label = "protection"
    verbose_name = _("Protection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from karpear.protection import declarations

        declarations.declare()
