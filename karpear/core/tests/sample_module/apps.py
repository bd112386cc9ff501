"""A test-only module app (installed only when the tests run): it proves that an app plugs into core through
core's registries alone — a model, a capability, pages and an API route, a menu item, a work list, demo data,
a referral section and an export kind — without any change to core (issue 9, "Proof")."""

from django.apps import AppConfig


class SampleModuleConfig(AppConfig):
    name = "karpear.core.tests.sample_module"
    label = "sample_module"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from karpear.core.tests.sample_module import declarations

        declarations.declare()
