from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "karpear.matching"
    label = "matching"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Matching"

    def ready(self) -> None:
        from karpear.matching import declarations

        declarations.declare()
