from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Indicators, targets and dashboards (issue 15). Reads the other apps through their `indicators` and
    `selectors` only; nothing imports it."""

    name = "karpear.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from karpear.monitoring import declarations

        declarations.declare()
