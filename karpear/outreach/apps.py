from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """The public safe-migration portal, the job-offer check and help requests (issue 14). Plugs into core
    through its registries alone (docs/writing-a-module.md); core imports nothing of it."""

    name = "karpear.outreach"
    label = "outreach"
    verbose_name = _("Outreach")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from karpear.outreach import declarations

        declarations.declare()
