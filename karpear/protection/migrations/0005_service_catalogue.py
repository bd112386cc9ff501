"""Loads the catalogue of services (context/002: what CCPCR provides at its transit centres and shelters, and the
reintegration chain of the seeds). An administrator corrects or adds services in the back office afterwards."""

from django.db import migrations

# (code, category, English, Khmer, usual duration, step of the reintegration chain)
CATALOGUE = [
    ("meals", "basic_needs", "Meals", "អាហារ", "", None),
    ("medical_check", "health", "Medical check", "ការពិនិត្យសុខភាព", "", None),
    ("temporary_shelter", "shelter", "Temporary shelter", "ជម្រកបណ្ដោះអាសន្ន", "", None),
    ("counselling", "psychosocial", "Counselling", "ការប្រឹក្សាយោបល់", "", None),
    ("transport_home", "basic_needs", "Transport home", "ការដឹកជញ្ជូនទៅផ្ទះ", "", None),
    ("family_tracing", "family", "Family tracing", "ការស្វែងរកគ្រួសារ", "", None),
    ("education", "education", "Education", "ការអប់រំ", "", None),
    ("vocational_training", "livelihood", "Vocational training", "វគ្គបណ្ដុះបណ្ដាលវិជ្ជាជីវៈ", "", 1),
    ("financial_literacy", "financial", "Financial literacy course", "វគ្គអក្ខរកម្មហិរញ្ញវត្ថុ", "2 days", 2),
    ("business_grant", "livelihood", "Business grant", "ជំនួយឧបត្ថម្ភធុរកិច្ច", "", 3),
    ("business_follow_up", "livelihood", "Business follow-up", "ការតាមដានធុរកិច្ច", "", 4),
    ("internship", "livelihood", "Internship or job placement", "កម្មសិក្សា ឬការងារ", "", None),
    ("family_livelihood_course", "livelihood", "Family livelihood course", "វគ្គមុខរបរសម្រាប់គ្រួសារ", "3 days", None),
    ("non_formal_education", "education", "Non-formal education", "ការអប់រំក្រៅប្រព័ន្ធ", "3–6 months", None),
    ("school_enrolment", "education", "School enrolment", "ការចុះឈ្មោះចូលរៀន", "", None),
    ("legal_aid", "legal", "Legal aid", "ជំនួយផ្លូវច្បាប់", "", None),
]


def load(apps, schema_editor):
    ServiceKind = apps.get_model("protection", "ServiceKind")
    ServiceKind.objects.bulk_create(
        ServiceKind(code=code, category=category, name_en=en, name_km=km, duration=duration, chain=chain, order=n)
        for n, (code, category, en, km, duration, chain) in enumerate(CATALOGUE, start=1)
    )


def unload(apps, schema_editor):
    apps.get_model("protection", "ServiceKind").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("protection", "0004_assessment_and_plan")]
    operations = [migrations.RunPython(load, unload)]
