from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivelihoodsConfig(AppConfig):
    """Savings groups, in-kind banks, cascade training, business plans and grants (issue 12). Plugs into core
    through its registries alone (docs/writing-a-module.md)."""

    name = "karpear.livelihoods"
    label = "livelihoods"
    verbose_name = _("Livelihoods")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from karpear.livelihoods import declarations

        declarations.declare()
