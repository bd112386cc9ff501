"""The Khmer words the About page names with their source (issue 18).

`docs/glossary-km.md` is the reference for every Khmer word in Karpear; these are the main ones a social worker
meets on Karpear's pages, with the system they come from. `core/tests/test_terminology.py` checks each row
against the glossary (the same Khmer, and a source the glossary gives), so the page cannot drift from it.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

KHMER_WORD_SOURCES: dict[str, Promise] = {
    "primero": gettext_lazy("MoSVY's case-management system (CPIMS+, on Primero)"),
    "mosvy_forms": gettext_lazy("MoSVY's government forms, as OSCaR reproduces them"),
    "oscar": gettext_lazy("OSCaR, the NGOs' case-management system"),
    "karpear": gettext_lazy("Karpear's own word"),
}

# (English term as in the glossary, Khmer, source): shown in this order.
KHMER_WORDS: tuple[tuple[str, str, str], ...] = (
    ("case", "ករណី", "primero"),
    ("case management", "ការគ្រប់គ្រងករណី", "primero"),
    ("caseworker", "អ្នកកាន់ករណី", "primero"),
    ("case supervisor", "អ្នកត្រួតពិនិត្យករណី", "karpear"),
    ("person", "បុគ្គល", "karpear"),
    ("survivor", "ជនរងគ្រោះ", "primero"),
    ("consent", "ការយល់ព្រម", "primero"),
    ("referral", "ការបញ្ជូន", "primero"),
    ("identifying details", "ព័ត៌មានសម្គាល់អត្តសញ្ញាណ", "karpear"),
    ("audit log", "កំណត់ហេតុត្រួតពិនិត្យ", "primero"),
    ("province", "រាជធានី/ខេត្ត", "oscar"),
    ("district", "ក្រុង/ស្រុក/ខណ្ឌ", "mosvy_forms"),
    ("commune", "ឃុំ/សង្កាត់", "oscar"),
)


def khmer_words() -> list[tuple[Promise, list[tuple[str, str]]]]:
    """The About page's groups: each source (translated when rendered) with its words, Khmer and English."""
    return [
        (label, [(english, khmer) for english, khmer, source in KHMER_WORDS if source == key])
        for key, label in KHMER_WORD_SOURCES.items()
    ]
