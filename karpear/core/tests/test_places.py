"""The official gazetteer, as loaded by migration 0002, and place search (DOMAIN §6)."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from karpear.core.models import Commune, District, Province, Village
from karpear.core.places import PlaceMatch, load_gazetteer, search_places

pytestmark = pytest.mark.django_db

LEVEL_ORDER = ["province", "district", "commune", "village"]


def db_counts() -> dict[str, int]:
    return {
        "provinces": Province.objects.count(),
        "districts": District.objects.count(),
        "communes": Commune.objects.count(),
        "official_communes": Commune.objects.filter(in_official_list=True).count(),
        "villages": Village.objects.count(),
        "shared": Village.objects.filter(code_shared=True).count(),
    }


def found(matches: list[PlaceMatch]) -> set[tuple[str, str]]:
    return {(m.level, m.code) for m in matches}


# ---------------------------------------------------------------- what the migration loaded
def test_counts_of_each_level():
    assert db_counts() == {
        "provinces": 25,
        "districts": 210,
        "communes": 1662,  # 1,661 listed + commune 120913, which only villages refer to
        "official_communes": 1661,
        "villages": 14576,
        "shared": 80,
    }


def test_province_codes_are_01_to_25():
    assert list(Province.objects.order_by("code").values_list("code", flat=True)) == [f"{n:02d}" for n in range(1, 26)]


def test_shared_village_codes_are_marked():
    shared = Village.objects.filter(code_shared=True)
    assert shared.values("code").distinct().count() == 26
    assert shared.count() == 80
    # Every marked code is carried by several villages; every unmarked code by exactly one.
    per_code = dict(Village.objects.values_list("code").annotate(n=Count("id")).values_list("code", "n"))
    assert all(per_code[code] > 1 for code in shared.values_list("code", flat=True))
    assert not Village.objects.filter(code_shared=False).exclude(
        code__in=[code for code, n in per_code.items() if n == 1]
    )
    # Shared across communes (e.g. 02140401 in 021404 and 021405) and within one (0506140- nine times).
    assert set(Village.objects.filter(code="02140401").values_list("commune_id", flat=True)) == {
        "021404",
        "021405",
    }
    assert set(Village.objects.filter(code="0506140-").values_list("commune_id", flat=True)) == {"050614"}
    assert Village.objects.filter(code="0506140-").count() == 9


def test_commune_missing_from_the_list_exists_with_its_13_villages():
    commune = Commune.objects.get(code="120913")
    assert commune.in_official_list is False
    assert (commune.district_id, commune.province_id) == ("1209", "12")
    assert (commune.name_km, commune.name_en, commune.search_key) == ("", "", "")
    assert str(commune) == "120913"
    assert commune.villages.count() == 13
    assert list(Commune.objects.filter(in_official_list=False).values_list("code", flat=True)) == ["120913"]
    villages = Village.objects.filter(commune=commune)
    assert set(villages.values_list("district_id", "province_id")) == {("1209", "12")}
    assert villages.filter(code="12091301").count() == 5


def test_hierarchy_is_consistent():
    assert all(d.code.startswith(d.province_id) for d in District.objects.all())
    for commune in Commune.objects.select_related("district"):
        assert commune.code.startswith(commune.district_id)
        assert commune.district.province_id == commune.province_id
    mismatched = [
        v.pk
        for v in Village.objects.select_related("commune")
        if (v.commune.district_id, v.commune.province_id) != (v.district_id, v.province_id)
    ]
    assert mismatched == []


def test_names_are_clean_and_keys_filled():
    assert not Village.objects.filter(name_km__contains="\u200b")
    assert not Village.objects.filter(name_en__contains="\u200b")
    assert not Village.objects.filter(name_km__contains="  ")
    assert Village.objects.get(code="10050609").name_km == "អូរសែនជ័យ"
    assert not Province.objects.filter(search_key="")
    assert not District.objects.filter(search_key="")
    assert list(Commune.objects.filter(search_key="").values_list("code", flat=True)) == ["120913"]
    assert not Village.objects.filter(search_key="")
    assert Province.objects.get(code="12").search_key == "រាជធានីភ្នំពេញ phnompenh"


# ---------------------------------------------------------------- the loader
def test_report_gives_the_anomalies_of_the_list():
    report = load_gazetteer()
    assert (
        report.provinces.source_rows,
        report.districts.source_rows,
        report.communes.source_rows,
        report.villages.source_rows,
    ) == (25, 210, 1661, 14576)
    assert len(report.shared_village_codes) == 26
    assert report.shared_code_villages == 80
    across, within = report.shared_codes_across_communes, report.shared_codes_within_a_commune
    assert (len(across), sum(len(report.shared_village_codes[c]) for c in across)) == (18, 36)
    assert (len(within), sum(len(report.shared_village_codes[c]) for c in within)) == (8, 44)
    assert report.missing_communes == {"120913": 13}
    assert report.communes.added == 1
    assert report.malformed_codes == {("village", "0506140-"): 9}
    assert sum(report.village_codes_outside_commune.values()) == 43
    assert len(report.village_codes_outside_commune) == 12
    assert report.communes_without_villages == ["100409", "120912"]
    assert report.orphans == []
    assert report.inconsistent_parents == []
    assert report.duplicate_codes == []
    assert report.blank_names == []
    assert len(report.name_fixes) == 22
    text = "\n".join(report.lines())
    assert "26 codes carried by 80 villages" in text
    assert "120913: 13 villages" in text


def test_running_the_loader_again_changes_nothing():
    before = db_counts()
    village_ids = set(Village.objects.values_list("id", flat=True))
    report = load_gazetteer()
    assert db_counts() == before
    assert set(Village.objects.values_list("id", flat=True)) == village_ids
    for level, total in (
        (report.provinces, 25),
        (report.districts, 210),
        (report.communes, 1662),
        (report.villages, 14576),
    ):
        assert (level.created, level.updated, level.unchanged, level.total) == (0, 0, total, total)


def test_loader_repairs_rows_and_keeps_village_ids():
    # Two villages sharing commune and code swap names; one is deleted; a province is renamed.
    first, second = Village.objects.filter(code="0506140-").order_by("id")[:2]
    for one, other in ((first, second), (second, first)):
        Village.objects.filter(pk=one.pk).update(
            name_km=other.name_km, name_en=other.name_en, search_key=other.search_key
        )
    deleted = Village.objects.get(code="01020101")
    deleted.delete()
    Province.objects.filter(code="17").update(name_en="Siem Reap", search_key="")
    report = load_gazetteer()
    assert (report.villages.created, report.villages.updated) == (1, 0)  # matched by Khmer name: no change
    assert (report.provinces.updated, report.provinces.unchanged) == (1, 24)
    assert Province.objects.get(code="17").name_en == "Siemreap"
    restored = Village.objects.get(code="01020101")
    assert restored.pk != deleted.pk
    assert (restored.name_km, restored.commune_id) == (deleted.name_km, deleted.commune_id)
    assert db_counts()["villages"] == 14576


def test_loader_recreates_a_deleted_province():
    villages = Village.objects.filter(province_id="12").count()
    communes = Commune.objects.filter(province_id="12").count()
    districts = District.objects.filter(province_id="12").count()
    Village.objects.filter(province_id="12").delete()
    Commune.objects.filter(province_id="12").delete()
    District.objects.filter(province_id="12").delete()
    Province.objects.filter(code="12").delete()
    report = load_gazetteer()
    assert (report.provinces.created, report.districts.created) == (1, districts)
    assert (report.communes.created, report.villages.created) == (communes, villages)
    assert Commune.objects.get(code="120913").in_official_list is False
    assert Village.objects.filter(commune_id="120913").count() == 13
    assert db_counts()["villages"] == 14576


# ---------------------------------------------------------------- search
def test_search_finds_phnom_penh_by_the_khmer_name_without_the_unit_word():
    matches = search_places("ភ្នំពេញ")
    assert (matches[0].level, matches[0].code) == ("province", "12")
    assert matches[0].label_km == "រាជធានីភ្នំពេញ"
    assert matches[0].label_en == "Phnom Penh"


@pytest.mark.parametrize("query", ["phnom penh", "PHNOMPENH", "  Phnom-Penh ", "penh"])
def test_search_finds_phnom_penh_by_latin_name(query):
    assert ("province", "12") in found(search_places(query))


def test_search_finds_a_commune_typed_with_a_zero_width_space():
    matches = search_places("ពាំង\u200bក្រសាំ")  # part of ត្រពាំងក្រសាំង
    assert ("commune", "120912") in found(matches)
    match = next(m for m in matches if m.code == "120912")
    assert match.label_en == "Trapeang Krasang, Pou Saen Chey, Phnom Penh"
    assert match.label_km == "ត្រពាំងក្រសាំង, ពោធិ៍សែនជ័យ, រាជធានីភ្នំពេញ"


def test_search_folds_coeng_da_and_coeng_ta():
    # Kandal is stored with COENG DA (កណ្ដាល); typed here with COENG TA.
    assert ("province", "08") in found(search_places("កណ្តាល"))


def test_search_finds_a_village_by_latin_prefix():
    matches = search_places("chumnab sbou")
    assert [(m.level, m.code) for m in matches] == [("village", "02140407")]
    assert matches[0].label_en == "Chumnab Sbouv Phleang, Sdok Pravoek, Rukh Kiri, Battambang"
    assert matches[0].label_km == "ជំនាប់ស្បូវភ្លាំង, ស្តុកប្រវឹក, រុក្ខគិរី, បាត់ដំបង"


def test_search_label_shows_the_code_of_a_commune_without_name():
    match = next(m for m in search_places("Aksar") if m.code == "12091301")
    assert match.label_en == "Aksar, 120913, Pou Saen Chey, Phnom Penh"


def test_search_puts_upper_levels_first_then_name_starts():
    matches = search_places("sammeakki", limit=30)
    levels = [LEVEL_ORDER.index(m.level) for m in matches]
    assert levels == sorted(levels)
    assert len(matches) == 30
    villages = [m for m in matches if m.level == "village"]
    assert villages
    # Within a level, names starting with the query come before names merely containing it.
    starts = [m.place.search_key.split(" ")[-1].startswith("sammeakki") for m in villages]
    assert starts == sorted(starts, reverse=True)


def test_search_uses_few_queries():
    with CaptureQueriesContext(connection) as queries:
        matches = search_places("trapeang", limit=100)
        labels = [(m.label_en, m.label_km, str(m.place)) for m in matches]
    assert len(labels) == 100
    assert len(queries) <= 4


def test_search_limit_and_empty_queries():
    assert len(search_places("a", limit=7)) == 7
    assert search_places("") == []
    assert search_places(" \u200b ") == []
    assert search_places("phnom", limit=0) == []
    assert search_places("zzzzqqq") == []
