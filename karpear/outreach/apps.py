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
        from django.db.models.signals import post_delete, post_save

        from karpear.outreach import declarations
        from karpear.outreach.models import HelpContact, HelpDesk, PassportFee, PassportOffice, Topic

        declarations.declare()
        # The portal's pages are answered from memory (core.public_cache): an edit of what they show is
        # shown at once by this process (and by the others within KARPEAR_PUBLIC_PAGE_CACHE_SECONDS).
        for model in (Topic, PassportFee, PassportOffice, HelpContact, HelpDesk):
            post_save.connect(_portal_changed, sender=model, dispatch_uid=f"portal-cache-{model.__name__}")
            post_delete.connect(_portal_changed, sender=model, dispatch_uid=f"portal-cache-del-{model.__name__}")


def _portal_changed(**kwargs: object) -> None:
    from karpear.core import public_cache

    public_cache.clear()
