from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JusticeConfig(AppConfig):
    """ADHOC's legal aid: legal cases from investigation to judgment (issue 13). Plugs into core through its
    registries alone (docs/writing-a-module.md); core imports nothing of it."""

    name = "karpear.justice"
    label = "justice"
    verbose_name = _("Legal aid")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from karpear.justice import declarations

        declarations.declare()
