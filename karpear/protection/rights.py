"""The rights notice shown at intake (DOMAIN §1): the 2009 Policy and Minimum Standards for Protection of the
Rights of Victims of Human Trafficking list eleven rights. DOMAIN names five of them; the other six are to be
added from the Policy's text when it is at hand (a reviewed change of this list), never guessed.

Shown in Khmer and in English side by side, whatever the page's language: the person reads the one they read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

TITLE = _("Your rights")
INTRO = _(
    "As a person who may have been trafficked, you have these rights under the Policy and Minimum Standards for "
    "Protection of the Rights of Victims of Human Trafficking (2009), among others:"
)
RIGHTS = (
    _("Safety and protection."),
    _("Privacy and confidentiality: what you tell us is shared only as you agree."),
    _("To be treated with dignity."),
    _("Access to services: medical care, counselling, legal aid, shelter, help to go home."),
    _("Freedom of movement: you may leave, and you choose which services you accept."),
)
SOURCE = _("Source: MoSVY, Policy and Minimum Standards for Protection of the Rights of Victims (2009).")


@dataclass(frozen=True)
class Notice:
    language: str
    title: str
    intro: str
    rights: tuple[str, ...]
    source: str


def notice() -> list[Notice]:
    """The notice in Khmer, then in English."""
    notices = []
    for language in ("km", "en"):
        with translation.override(language):
            notices.append(Notice(language, str(TITLE), str(INTRO), tuple(str(r) for r in RIGHTS), str(SOURCE)))
    return notices
