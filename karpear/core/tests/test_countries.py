from __future__ import annotations

from typing import Any

from conftest import login
from karpear.core import countries


def test_every_iso_3166_country_and_nothing_else() -> None:
    codes = countries.codes()
    assert len(codes) == 249  # ISO 3166-1 alpha-2 officially assigned codes
    assert {"KH", "TH", "VN", "MY", "CN", "SS", "TL"} <= codes
    assert not {"EU", "UN", "XK", "ZZ"} & codes


def test_names_in_khmer_and_english_with_common_destinations_first() -> None:
    assert countries.name("TH", "km") == "ថៃ"
    assert countries.name("VN", "en") == "Vietnam"
    assert [code for code, _ in countries.choices("km")[:3]] == ["TH", "VN", "MY"]


def test_the_api_lists_them(users: dict[str, Any], client: Any) -> None:
    login(client, users["volunteer"])
    first = client.get("/api/v1/places/countries/").json()
    assert first["count"] == 249 and len(first["results"]) == 50 and first["next"]
    assert first["results"][0] == {"code": "TH", "name_km": "ថៃ", "name_en": "Thailand"}
    everything = client.get("/api/v1/places/countries/", {"page_size": 250}).json()
    assert len(everything["results"]) == 249 and everything["next"] is None
