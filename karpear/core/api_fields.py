"""Input fields for the API's write serializers that accept exactly what the schema says (issue 17).

DRF's `CharField` turns a number into text (`{"name": 0}` creates a group named "0"), and drf-spectacular
describes a `DecimalField` with a pattern that also matches "", "-" and "." and ignores `min_value`. A client
generated from the schema, or schemathesis, then sends values the server answers in a way the contract did not
say. Every app's write serializers use these instead:

- `Text`: a string or a 400 ("Not a valid string."), never a coerced number or boolean;
- decimals: `DecimalSchema` (registered with drf-spectacular by `karpear.core.apps`) describes every
  `DecimalField` with a pattern of the digits it accepts (at least one digit, no sign when `min_value` ≥ 0).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers


class Text(serializers.CharField):
    """A `CharField` that takes only JSON strings."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


def decimal_pattern(*, max_digits: int | None, decimal_places: int | None, signed: bool) -> str:
    """The regular expression of what `DecimalField(max_digits, decimal_places)` accepts as text."""
    places = decimal_places or 0
    whole = f"\\d{{1,{max_digits - places}}}" if max_digits is not None else "\\d+"
    sign = "-?" if signed else ""
    if places == 0:
        return f"^{sign}{whole}$"
    return f"^{sign}(?:{whole}(?:\\.\\d{{0,{places}}})?|\\.\\d{{1,{places}}})$"


class DecimalSchema(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if schema.get("type") == "string" and "pattern" in schema:
            minimum = self.target.min_value
            schema["pattern"] = decimal_pattern(
                max_digits=self.target.max_digits,
                decimal_places=self.target.decimal_places,
                signed=minimum is None or minimum < 0,
            )
        return schema
