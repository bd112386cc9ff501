"""The articles of the 2008 law the offence picklist starts with: those DOMAIN §1 names (8, 10, 12, 15, 17,
19). The official text was not at hand, so only what DOMAIN states is written here; every article is marked
unchecked (`verified` false) and an administrator corrects the titles from the official text in the back
office (each change kept in its history). Tests that flush the tables put them back with `load`
(tests/conftest.py)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SOURCE = (
    "Law on Suppression of Human Trafficking and Sexual Exploitation (2008, NS/RKM/0208/005), as summarised in "
    "DOMAIN §1; title to be checked against the official text"
)
CHECK_EN = "title to be checked against the official text"
CHECK_KM = "ចំណងជើងត្រូវផ្ទៀងផ្ទាត់ជាមួយអត្ថបទផ្លូវការ"
ARTICLES = [
    (8, "Unlawful removal", "ការនាំយកមនុស្សដោយខុសច្បាប់", ""),
    (
        10,
        "Unlawful removal for exploitation",
        "ការនាំយកមនុស្សដោយខុសច្បាប់ដើម្បីកេងប្រវ័ញ្ច",
        "7–15 years; 15–20 years where the victim is a minor, the offender a public official abusing authority, "
        "or an organised group",
    ),
    (12, f"Exploitation offence ({CHECK_EN})", f"បទល្មើសកេងប្រវ័ញ្ច ({CHECK_KM})", ""),
    (15, f"Exploitation offence ({CHECK_EN})", f"បទល្មើសកេងប្រវ័ញ្ច ({CHECK_KM})", ""),
    (17, f"Exploitation offence ({CHECK_EN})", f"បទល្មើសកេងប្រវ័ញ្ច ({CHECK_KM})", ""),
    (19, f"Exploitation offence ({CHECK_EN})", f"បទល្មើសកេងប្រវ័ញ្ច ({CHECK_KM})", ""),
]


def load(apps: Any, schema_editor: Any) -> None:
    Article = apps.get_model("justice", "Article")
    for number, title_en, title_km, penalty in ARTICLES:
        Article.objects.update_or_create(
            number=number,
            defaults={"title_en": title_en, "title_km": title_km, "penalty": penalty, "source": SOURCE},
        )


def unload(apps: Any, schema_editor: Any) -> None:
    apps.get_model("justice", "Article").objects.filter(number__in=[a[0] for a in ARTICLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("justice", "0001_cases")]
    operations = [migrations.RunPython(load, unload)]
