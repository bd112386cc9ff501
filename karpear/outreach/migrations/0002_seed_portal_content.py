"""The portal's first content, from DOMAIN §5: pages, passport fees and offices, the two free hotlines.

Staff edit all of it in the back office; every item says where it comes from and when it was last checked. The
passport figures are the price list set in 2018 as reported in 2023: `last_verified` is that report's year (1
January 2023 stands for "2023"), so the portal shows the information as old as it is until staff check it again.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

REPORTED = dt.date(2023, 1, 1)
PASSPORT_SOURCE = "Passport price list set in 2018, as reported in 2023 (General Department of Identification)"
HOTLINE_SOURCE = "Hotline numbers as published by the National Police and Child Helpline Cambodia"
CONSORTIUM = "Karpear consortium"

TOPICS = [
    (
        "passport",
        1,
        "របៀបធ្វើលិខិតឆ្លងដែន",
        "How to get a passport",
        "លិខិតឆ្លងដែនជារបស់អ្នក។ កុំឱ្យមេខ្យល់ ឬភ្នាក់ងារណាធ្វើជំនួស ឬរក្សាទុកវាឡើយ។\n\n"
        "- ប្រមូលឯកសារ៖ អត្តសញ្ញាណប័ណ្ណសញ្ជាតិខ្មែរ សំបុត្រកំណើត និងសៀវភៅគ្រួសារ ឬសៀវភៅស្នាក់នៅ\n"
        "- ទៅដាក់ពាក្យដោយខ្លួនឯង នៅការិយាល័យលិខិតឆ្លងដែន (មើលបញ្ជីខាងក្រោម)\n"
        "- ថតរូប និងផ្ដិតស្នាមម្រាមដៃនៅការិយាល័យ\n"
        "- បង់ថ្លៃតាមតារាងតម្លៃផ្លូវការ ហើយសុំបង្កាន់ដៃ\n"
        "- មកយកលិខិតឆ្លងដែនដោយខ្លួនឯង តាមថ្ងៃដែលបានកំណត់\n\n"
        "បើនរណាម្នាក់សុំលុយលើសពីតម្លៃផ្លូវការ សូមកុំបង់ ហើយទូរស័ព្ទទៅខ្សែទូរស័ព្ទជំនួយ។",
        "Your passport is yours. Do not let a broker or an agent make it for you or keep it.\n\n"
        "- Gather your documents: Khmer national ID card, birth certificate and family book or residence book\n"
        "- Apply in person at a passport office (see the list below)\n"
        "- Your photo and fingerprints are taken at the office\n"
        "- Pay the official fee and ask for a receipt\n"
        "- Collect your passport yourself on the day you are given\n\n"
        "If someone asks for more money than the official fee, do not pay, and call a hotline.",
    ),
    (
        "channels",
        2,
        "វិធីស្របច្បាប់ដើម្បីទៅធ្វើការនៅបរទេស",
        "Legal ways to work abroad",
        "ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព គឺទៅធ្វើការតាមផ្លូវស្របច្បាប់ ដោយមានលិខិតឆ្លងដែន ទិដ្ឋាការការងារ "
        "និងកិច្ចសន្យាការងារ។\n\n"
        "- តាមរយៈភ្នាក់ងារជ្រើសរើសពលករឯកជនដែលមានអាជ្ញាប័ណ្ណពីក្រសួងការងារ\n"
        "- តាមកម្មវិធីរបស់រដ្ឋាភិបាល ដូចជាអនុស្សរណៈយោគយល់ជាមួយប្រទេសថៃ ម៉ាឡេស៊ី កូរ៉េ ឬជប៉ុន\n"
        "- សួរមន្ទីរការងារខេត្តរបស់អ្នក ដើម្បីពិនិត្យថាភ្នាក់ងារមានអាជ្ញាប័ណ្ណឬទេ\n\n"
        "ការឆ្លងព្រំដែនដោយគ្មានលិខិតឆ្លងដែន ឬតាមផ្លូវលួចលាក់ ធ្វើឱ្យអ្នកក្លាយជាជនចំណាកស្រុកមិនស្របច្បាប់ "
        "ហើយងាយរងការកេងប្រវ័ញ្ច។",
        "Safe migration means going to work through legal channels, with a passport, a work visa and a work "
        "contract.\n\n"
        "- Through a private recruitment agency licensed by the Ministry of Labour\n"
        "- Through government programmes, such as the labour migration MoUs with Thailand, Malaysia, Korea or "
        "Japan\n"
        "- Ask your provincial labour department whether an agency is licensed\n\n"
        "Crossing the border without a passport or by a hidden path makes you an irregular migrant, easy to "
        "exploit.",
    ),
    (
        "contract",
        3,
        "កិច្ចសន្យាការងារពិតប្រាកដមានអ្វីខ្លះ",
        "What a real contract contains",
        "មុនពេលចុះហត្ថលេខា ត្រូវប្រាកដថាកិច្ចសន្យាសរសេរជាភាសាខ្មែរ ឬភាសាដែលអ្នកអានយល់ ហើយមាន៖\n\n"
        "- ឈ្មោះ អាសយដ្ឋាន និងលេខទូរស័ព្ទរបស់និយោជក\n"
        "- ការងារដែលត្រូវធ្វើ និងកន្លែងធ្វើការ\n"
        "- ប្រាក់ខែ របៀប និងថ្ងៃបើកប្រាក់ខែ\n"
        "- ម៉ោងធ្វើការ ថ្ងៃសម្រាក និងការងារបន្ថែមម៉ោង\n"
        "- រយៈពេលកិច្ចសន្យា និងរបៀបត្រឡប់មកផ្ទះវិញ\n"
        "- ថ្លៃដែលអ្នកត្រូវបង់ (បើមាន) និងអ្នកណាបង់ថ្លៃធ្វើដំណើរ\n"
        "- កន្លែងស្នាក់នៅ អាហារ និងការធានារ៉ាប់រងសុខភាព\n\n"
        "រក្សាច្បាប់ចម្លងមួយជាមួយខ្លួន និងមួយទៀតទុកជាមួយគ្រួសារ។",
        "Before you sign, make sure the contract is in Khmer or a language you read, and that it states:\n\n"
        "- The employer's name, address and phone number\n"
        "- The work to be done and where\n"
        "- The wage, how and when it is paid\n"
        "- Working hours, days off and overtime\n"
        "- How long the contract lasts and how you come home\n"
        "- Any fee you must pay, and who pays the travel\n"
        "- Housing, food and health insurance\n\n"
        "Keep one copy with you and another with your family.",
    ),
    (
        "deception",
        4,
        "របៀបដឹងពីការបោកបញ្ឆោត",
        "How to spot deception",
        "ជនជួញដូរមនុស្សច្រើនតែជាមនុស្សដែលអ្នកស្គាល់ ហើយសន្យាការងារដែលល្អពេក។ សញ្ញាព្រមាន៖\n\n"
        "- សុំលុយ ឬឱ្យខ្ចីលុយមុនពេលចេញដំណើរ\n"
        "- ចង់រក្សាលិខិតឆ្លងដែន ឬអត្តសញ្ញាណប័ណ្ណរបស់អ្នក\n"
        "- មិនប្រាប់ឈ្មោះ ឬអាសយដ្ឋាននិយោជក\n"
        "- គ្មានកិច្ចសន្យា ឬកិច្ចសន្យាជាភាសាដែលអ្នកអានមិនយល់\n"
        "- ប្រាប់ឱ្យធ្វើដំណើរដោយលួចលាក់\n"
        "- ប្រាក់ខែខ្ពស់ខុសពីធម្មតា\n\n"
        "ប្រើ \"ការងារនេះមានសុវត្ថិភាពទេ?\" ដើម្បីពិនិត្យការផ្ដល់ការងារ។",
        "Traffickers are often people you know, promising a job that is too good. Warning signs:\n\n"
        "- Asking for money, or for you to borrow money, before you leave\n"
        "- Wanting to keep your passport or ID card\n"
        "- Not telling you the employer's name or address\n"
        "- No contract, or a contract in a language you cannot read\n"
        "- Telling you to travel secretly\n"
        "- Pay much higher than usual\n\n"
        'Use "Is this job offer safe?" to check an offer.',
    ),
    (
        "speak-up",
        5,
        "របៀបនិយាយប្រាប់ និងសុំជំនួយ",
        "How to speak up",
        "អ្នកមានសិទ្ធិសុំជំនួយ ហើយអ្នកមិនមែនជាអ្នកខុសទេ។\n\n"
        "- នៅភូមិ៖ ប្រាប់មេភូមិ ក្រុមប្រឹក្សាឃុំ សង្កាត់ គ.ក.ន.ក ឬព្រះសង្ឃ និងអ្នកដឹកនាំសាសនាដែលអ្នកទុកចិត្ត\n"
        "- ទូរស័ព្ទឥតគិតថ្លៃ៖ 117 (នគរបាល ការជួញដូរមនុស្ស) ឬ 1280 (កុមារ និងយុវជនរហូតដល់អាយុ 25 ឆ្នាំ)\n"
        "- នៅបរទេស៖ ទាក់ទងស្ថានទូតកម្ពុជា ឬអង្គការដែលជួយពលករចំណាកស្រុក\n"
        "- ផ្ញើសំណើសុំជំនួយនៅលើគេហទំព័រនេះ ដោយមិនចាំបាច់ប្រាប់ឈ្មោះ\n\n"
        "សូមរក្សាលេខទូរស័ព្ទទាំងនេះ និងច្បាប់ចម្លងឯកសាររបស់អ្នកជាមួយគ្រួសារ។",
        "You have the right to ask for help, and it is not your fault.\n\n"
        "- In the village: tell the village chief, the commune council, the CCWC, or a monk or religious leader "
        "you trust\n"
        "- Free calls: 117 (police, human trafficking) or 1280 (children and young people up to 25)\n"
        "- Abroad: contact the Cambodian embassy or an organisation that helps migrant workers\n"
        "- Send a help request on this site, without giving your name if you prefer\n\n"
        "Keep these numbers, and copies of your documents, with your family.",
    ),
]

# (age, working days, USD): DOMAIN §5.
FEES = [
    ("adult", 15, "100"),
    ("adult", 7, "150"),
    ("adult", 1, "200"),
    ("under_6", 15, "80"),
    ("under_6", 7, "120"),
    ("under_6", 1, "160"),
]

# (order, Khmer, English): the Chbar Ampov office and its branches (DOMAIN §5).
OFFICES = [
    (1, "ការិយាល័យលិខិតឆ្លងដែន ច្បារអំពៅ", "Passport office, Chbar Ampov"),
    (2, "សាខា អ៊ីអន ២", "Branch at AEON Mall 2"),
    (3, "សាខា បាត់ដំបង", "Branch in Battambang"),
    (4, "សាខា កោះកុង", "Branch in Koh Kong"),
    (5, "សាខា ប៉ោយប៉ែត", "Branch in Poipet"),
]

HOTLINES = [
    (
        1,
        "117",
        "នគរបាលជាតិ — ការឃុំខ្លួនខុសច្បាប់ និងការជួញដូរមនុស្ស",
        "National Police — illegal detention and human trafficking",
        "ឥតគិតថ្លៃ",
        "Free",
    ),
    (
        2,
        "1280",
        "ខ្សែទូរស័ព្ទជំនួយកុមារកម្ពុជា",
        "Child Helpline Cambodia",
        "ឥតគិតថ្លៃ ២៤ ម៉ោង ហៅ និងផ្ញើសារ សម្រាប់អាយុរហូតដល់ ២៥ ឆ្នាំ",
        "Free, 24 hours, calls and SMS, up to age 25",
    ),
]


def seed(apps, schema_editor):
    Topic = apps.get_model("outreach", "Topic")
    PassportFee = apps.get_model("outreach", "PassportFee")
    PassportOffice = apps.get_model("outreach", "PassportOffice")
    HelpContact = apps.get_model("outreach", "HelpContact")
    for slug, order, title_km, title_en, body_km, body_en in TOPICS:
        source = PASSPORT_SOURCE if slug == "passport" else CONSORTIUM
        Topic.objects.get_or_create(
            slug=slug,
            defaults=dict(
                order=order,
                title_km=title_km,
                title_en=title_en,
                body_km=body_km,
                body_en=body_en,
                source=source,
                last_verified=REPORTED,
            ),
        )
    for age, days, amount in FEES:
        PassportFee.objects.get_or_create(
            age=age,
            working_days=days,
            defaults=dict(amount_usd=Decimal(amount), source=PASSPORT_SOURCE, last_verified=REPORTED),
        )
    for order, name_km, name_en in OFFICES:
        PassportOffice.objects.get_or_create(
            name_en=name_en,
            defaults=dict(order=order, name_km=name_km, source=PASSPORT_SOURCE, last_verified=REPORTED),
        )
    for order, phone, name_km, name_en, hours_km, hours_en in HOTLINES:
        HelpContact.objects.get_or_create(
            kind="hotline",
            phone=phone,
            defaults=dict(
                order=order,
                name_km=name_km,
                name_en=name_en,
                hours_km=hours_km,
                hours_en=hours_en,
                source=HOTLINE_SOURCE,
                last_verified=REPORTED,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
