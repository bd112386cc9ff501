from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "karpear.core"
    label = "core"
    verbose_name = _("Karpear core")

    def ready(self) -> None:
        # Core declares itself through the same registries as every module app (core.declarations).
        from karpear.core import declarations

        declarations.declare()
