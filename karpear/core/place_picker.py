"""The place picker, for any page and any number of places on one page (core's public API for module pages).

A picker has a prefix: "" for the person's place, "origin" and "destination" for the two places of a trafficking
event. Its inputs are named `<prefix>-province`, `<prefix>-district`, ... (without a prefix: `province`, ...),
which is what a Django form with the same `prefix` reads (`core.forms.PlaceForm(data, prefix="origin")`).

    context["origin"] = place_picker(request.POST, prefix="origin", legend=_("Place of origin"), form=origin_form)
    {% include "core/_place_picker.html" with picker=origin %}

Each picker re-renders itself alone through `/places/picker/?prefix=origin` (htmx), keeping what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karpear.core import access, services
from karpear.core.models import User
from karpear.core.places import PlaceMatch, search_places

LEVELS = ("province", "district", "commune", "village")


@dataclass
class PlacePicker:
    prefix: str
    legend: str | Promise
    state: dict[str, str]  # the chosen code of each level (village: its id)
    query: str
    matches: list[PlaceMatch]
    provinces: Any
    districts: Any
    communes: Any
    villages: Any
    errors: dict[str, list[str]] = field(default_factory=dict)

    def _name(self, name: str) -> str:
        return f"{self.prefix}-{name}" if self.prefix else name

    @property
    def names(self) -> dict[str, str]:
        """Input names of the levels, the search and the pick (`names.province`, `names.q`, `names.pick`)."""
        return {
            **{level: self._name(level) for level in LEVELS},
            "q": self._name("place_q"),
            "pick": self._name("place_pick"),
        }

    @property
    def ids(self) -> dict[str, str]:
        """Element ids, unique on a page that holds several pickers: the inputs' ids are the ones a Django form
        with the same prefix gives its fields (`id_province`, `id_origin-province`)."""
        base = f"place-picker-{self.prefix}" if self.prefix else "place-picker"
        names = self.names
        return {"box": base, **{level: f"id_{names[level]}" for level in LEVELS}, "q": names["q"]}


@dataclass(frozen=True)
class PlaceLimit:
    """The places a place-limited membership may use: whole provinces and single communes (by code). Codes
    nest (a district's starts with its province's, a commune's with its district's), so a province or district
    is offered when it holds an allowed commune."""

    provinces: frozenset[str]
    communes: frozenset[str]

    def allows(self, level: str, code: str) -> bool:
        """May this province, district or commune be offered?"""
        if code[:2] in self.provinces:
            return True
        if level in ("province", "district"):
            return any(c.startswith(code) for c in self.communes)
        return code in self.communes

    @property
    def single(self) -> dict[str, str] | None:
        """The picker's state when the membership has exactly one place: it is chosen already."""
        if len(self.provinces) + len(self.communes) != 1:
            return None
        if self.provinces:
            return {"province": next(iter(self.provinces)), "district": "", "commune": "", "village": ""}
        commune = next(iter(self.communes))
        return {"province": commune[:2], "district": commune[:4], "commune": commune, "village": ""}


def limit_for(user: User | None) -> PlaceLimit | None:
    """The place limit of the user's membership, or None when it works everywhere (core.access decides)."""
    if user is None:
        return None
    membership = access.membership_for(user)
    if membership is None or not membership.place_limited:
        return None
    provinces, communes = access.membership_places(membership)
    return PlaceLimit(frozenset(provinces), frozenset(communes))


def _limited(options: dict[str, Any], limit: PlaceLimit) -> dict[str, Any]:
    """Only the places the membership may use, at each level."""
    containing = {c[:2] for c in limit.communes} | set(limit.provinces)
    districts = {c[:4] for c in limit.communes}
    wide = Q(province_id__in=limit.provinces)
    return {
        "provinces": options["provinces"].filter(code__in=containing),
        "districts": options["districts"].filter(wide | Q(code__in=districts)),
        "communes": options["communes"].filter(wide | Q(code__in=limit.communes)),
        "villages": options["villages"].filter(wide | Q(commune_id__in=limit.communes)),
    }


def _match_allowed(match: PlaceMatch, limit: PlaceLimit) -> bool:
    if match.level == "village":  # a village's own code is not unique: go by its commune and province
        place: Any = match.place
        return place.province_id in limit.provinces or place.commune_id in limit.communes
    return limit.allows(match.level, str(match.place.code))


def _value(data: Any, name: str) -> str:
    return str(data.get(name, "") or "")


def picked_state(data: Any, prefix: str = "") -> dict[str, str]:
    """The chosen levels; a picked search result fills them all; a changed parent clears the levels below."""

    def name(level: str) -> str:
        return f"{prefix}-{level}" if prefix else level

    state = {level: _value(data, name(level)) for level in LEVELS}
    picked = _value(data, name("place_pick"))
    if picked:
        level, _sep, code = picked.partition(":")
        arguments = {"v": "village", "c": "commune", "d": "district"}.get(level, "province")
        try:
            choice = services.resolve_place(**{arguments: code})
        except ValidationError:
            choice = services.PlaceChoice()
        state = {
            "province": choice.province.code if choice.province else "",
            "district": choice.district.code if choice.district else "",
            "commune": choice.commune.code if choice.commune else "",
            "village": str(choice.village.pk) if choice.village else "",
        }
    if state["district"] and not state["district"].startswith(state["province"] or "-"):
        state["district"] = state["commune"] = state["village"] = ""
    if state["commune"] and not state["commune"].startswith(state["district"] or "-"):
        state["commune"] = state["village"] = ""
    return state


def place_picker(
    data: Any,
    *,
    prefix: str = "",
    legend: str | Promise | None = None,
    form: Any = None,
    user: User | None = None,
) -> PlacePicker:
    """The picker's state from submitted or initial data (a QueryDict or dict); `form` gives its errors. With
    `user`, a place-limited membership is offered only its places, and its one place is chosen already."""
    from karpear.core.forms import place_options

    limit = limit_for(user)
    state = picked_state(data, prefix)
    if limit is not None and limit.single is not None and not any(state.values()):
        state = limit.single
    pick_name = f"{prefix}-place_pick" if prefix else "place_pick"
    q_name = f"{prefix}-place_q" if prefix else "place_q"
    # Once a match is picked the lists show it; the search and its matches are done with.
    query = "" if _value(data, pick_name) else _value(data, q_name)[:60]
    errors: dict[str, list[str]] = {}
    if form is not None and getattr(form, "errors", None):
        errors = {level: list(form.errors.get(level, [])) for level in LEVELS}
    matches = search_places(query, limit=15 if limit is None else 60) if len(query.strip()) >= 2 else []
    options = place_options(state)
    if limit is not None:
        matches = [m for m in matches if _match_allowed(m, limit)][:15]
        options = _limited(options, limit)
    return PlacePicker(
        prefix=prefix,
        legend=legend or _("Place"),
        state=state,
        query=query,
        matches=matches,
        errors=errors,
        **options,
    )
