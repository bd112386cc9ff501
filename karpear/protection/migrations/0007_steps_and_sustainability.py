"""Loads the steps of MoSVY's lifecycle stages (after the circular of 26 Dec 2022 and the 2016 guidelines' forms,
to verify against their text) and the reintegration sustainability indicators (DOMAIN §4: IOM's 15 indicators
in economic, social and psychosocial dimensions; the wording was written for Karpear after IOM's Reintegration
Handbook and is to verify). Administrators correct both in the back office afterwards; this runs once."""

from django.db import migrations

# (code, stage, English, Khmer)
STEPS = [
    ("needs_and_plan", "pre_integration", "Needs assessed and the service plan approved",
     "បានប៉ាន់ប្រមាណតម្រូវការ និងបានអនុម័តផែនការសេវា"),
    ("family_assessed", "pre_integration", "Family traced and assessed (willing and safe to receive the person)",
     "បានស្វែងរក និងប៉ាន់ប្រមាណគ្រួសារ (សុខចិត្ត និងមានសុវត្ថិភាពក្នុងការទទួលបុគ្គលនេះ)"),
    ("agrees_to_plan", "pre_integration", "The person agrees to the reintegration plan",
     "បុគ្គលនេះយល់ព្រមលើផែនការសមាហរណកម្ម"),
    ("family_prepared", "integration", "Family and community prepared for the return",
     "គ្រួសារ និងសហគមន៍ត្រូវបានរៀបចំសម្រាប់ការវិលត្រឡប់"),
    ("handover", "integration", "Handed over to the family or community with the local authority",
     "បានប្រគល់ទៅគ្រួសារ ឬសហគមន៍ ជាមួយអាជ្ញាធរមូលដ្ឋាន"),
    ("follow_up_agreed", "monitoring", "Follow-up schedule agreed with the person",
     "បានព្រមព្រៀងកាលវិភាគតាមដានករណីជាមួយបុគ្គលនេះ"),
    ("local_office_informed", "monitoring", "The district social affairs office informed",
     "បានជូនដំណឹងដល់ការិយាល័យសង្គមកិច្ចស្រុក"),
    ("final_assessment", "closure", "Final assessment made", "បានធ្វើការប៉ាន់ប្រមាណចុងក្រោយ"),
    ("closure_explained", "closure", "Closure explained to the person, with whom to call if needed",
     "បានពន្យល់ពីការបិទករណីដល់បុគ្គលនេះ និងអ្នកដែលត្រូវទាក់ទងពេលត្រូវការ"),
]

# (code, dimension, English, Khmer)
INDICATORS = [
    ("income_source", "economic", "Has a regular source of income", "មានប្រភពចំណូលទៀងទាត់"),
    ("work_satisfaction", "economic", "Is satisfied with their work or business", "ពេញចិត្តនឹងការងារ ឬអាជីវកម្មរបស់ខ្លួន"),
    ("debt", "economic", "Debt is lower than monthly spending", "បំណុលទាបជាងការចំណាយប្រចាំខែ"),
    ("food_security", "economic", "The household has enough food", "គ្រួសារមានអាហារគ្រប់គ្រាន់"),
    ("borrowing", "economic", "Rarely needs to borrow money", "កម្រត្រូវខ្ចីប្រាក់"),
    ("housing", "social", "Has adequate housing", "មានលំនៅដ្ឋានសមរម្យ"),
    ("services_access", "social", "Can reach public services (health, local authority)", "អាចទទួលបានសេវាសាធារណៈ (សុខាភិបាល អាជ្ញាធរមូលដ្ឋាន)"),
    ("documents", "social", "Has identity documents", "មានឯកសារអត្តសញ្ញាណ"),
    ("children_school", "social", "The children of the household go to school", "កុមារក្នុងគ្រួសារទៅសាលារៀន"),
    ("health_care", "social", "Can get health care when needed", "អាចទទួលបានការថែទាំសុខភាពពេលត្រូវការ"),
    ("support_network", "psychosocial", "Has people to rely on", "មានមនុស្សដែលអាចពឹងពាក់បាន"),
    ("participation", "psychosocial", "Takes part in community life", "ចូលរួមក្នុងជីវិតសហគមន៍"),
    ("no_discrimination", "psychosocial", "Is not discriminated against in family or community", "មិនត្រូវបានរើសអើងក្នុងគ្រួសារ ឬសហគមន៍"),
    ("feels_safe", "psychosocial", "Feels safe where they live", "មានអារម្មណ៍សុវត្ថិភាពនៅកន្លែងរស់នៅ"),
    ("no_distress", "psychosocial", "Does not feel distress (sleep, fear, anger)", "មិនមានទុក្ខព្រួយ (ការគេង ការភ័យខ្លាច កំហឹង)"),
]


def load(apps, schema_editor):
    StageStep = apps.get_model("protection", "StageStep")
    SustainabilityIndicator = apps.get_model("protection", "SustainabilityIndicator")
    StageStep.objects.bulk_create(
        StageStep(code=code, stage=stage, text_en=en, text_km=km, order=n)
        for n, (code, stage, en, km) in enumerate(STEPS, start=1)
    )
    SustainabilityIndicator.objects.bulk_create(
        SustainabilityIndicator(code=code, domain=domain, text_en=en, text_km=km, order=n)
        for n, (code, domain, en, km) in enumerate(INDICATORS, start=1)
    )


def unload(apps, schema_editor):
    apps.get_model("protection", "StageStep").objects.all().delete()
    apps.get_model("protection", "SustainabilityIndicator").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("protection", "0006_reintegration")]
    operations = [migrations.RunPython(load, unload)]
