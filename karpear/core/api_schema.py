"""The OpenAPI schema says exactly what the server does (issue 17).

drf-spectacular describes the successful answers from the serializers; this module adds what it cannot see:

- the error answers every operation can give, each a reusable response in `components.responses` with the
  one error body of `api_errors` (`{"message", "fields"}`): 400 where the operation reads input (a body or
  query parameters), 401 and 403 where it needs a member, 404 where it names a record or pages a list, 415
  where it reads a body, 429 where it is throttled;
- `security: []` on the operations anyone may call (the token endpoint), so clients send no credentials;
- OpenAPI links from a list or a creation to the operations on one of its records, which document the
  workflow for partners and drive schemathesis' stateful phase (`scripts/api-fuzz.sh`).

The schema is in English unless `?lang=km` asks for Khmer (`api_schema_views.SchemaView`).
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular import openapi
from rest_framework.permissions import AllowAny

# A record's uuid in a path (the viewsets' lookup_value_regex): anything else names no endpoint and answers the
# API's JSON 404.
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

_ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error body of the API.",
    "properties": {
        "message": {"type": "string", "description": "A sentence for a person, in the request's language."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages per input field (`non_field_errors` for the input as a whole); empty when "
            "the error is not about the input.",
        },
    },
    "required": ["fields", "message"],
}

# Reusable error answers, referenced by status from each operation.
ERROR_RESPONSES: dict[str, tuple[str, dict[str, Any]]] = {
    "400": (
        "BadRequest",
        {
            "description": "The input is not valid: `fields` has the messages per parameter or body field, or "
            "the body is not JSON.",
        },
    ),
    "401": (
        "Unauthorized",
        {
            "description": "No credentials, or an unknown token.",
            "headers": {
                "WWW-Authenticate": {
                    "schema": {"type": "string", "enum": ["Token"]},
                    "required": True,
                    "description": "Bring a token: `Authorization: Token <key>`.",
                }
            },
        },
    ),
    "403": (
        "Forbidden",
        {
            "description": "No active membership of an organisation, a second factor missing, or the role may "
            "not do this.",
        },
    ),
    "404": (
        "NotFound",
        {
            "description": "The record does not exist or the caller may not see it (the two are "
            "indistinguishable), or the page number is past the last page.",
        },
    ),
    "409": (
        "Conflict",
        {"description": "The Idempotency-Key was used before with another body; nothing was saved."},
    ),
    "415": ("UnsupportedMediaType", {"description": "The body is not `application/json`."}),
    "429": (
        "TooManyRequests",
        {
            "description": "Too many requests, or the account is locked after wrong passwords.",
            "headers": {
                "Retry-After": {
                    "schema": {"type": "integer", "minimum": 0},
                    "required": False,
                    "description": "Seconds to wait before trying again.",
                }
            },
        },
    ),
}


class AutoSchema(openapi.AutoSchema):
    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        public = self._is_public()
        if public:
            operation["security"] = []
        parameters = operation.get("parameters", [])
        for parameter in parameters:
            if parameter["in"] == "query":
                # DRF reads `?status=` as `status` not given (every filter and page parameter does), so an
                # empty value is valid input, not an error.
                parameter["allowEmptyValue"] = True
            if parameter["in"] == "path" and parameter["schema"].get("pattern") == f"^{UUID_PATTERN}$":
                parameter["schema"] = {"type": "string", "format": "uuid"}  # a uuid, said the way clients read it
        has_body = "requestBody" in operation
        statuses = set()
        if has_body or any(p["in"] == "query" for p in parameters):
            statuses.add("400")
        if not public:
            statuses |= {"401", "403"}
        if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
            statuses.add("404")
        if has_body:
            statuses.add("415")
        if self._idempotent_write():
            statuses.add("409")
        if self.view.get_throttles():
            statuses.add("429")
        responses = operation["responses"]
        for status in statuses:
            responses.setdefault(status, {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _idempotent_write(self) -> bool:
        """A write of a view that honours the Idempotency-Key header (core.api_idempotency.IdempotentMixin)."""
        return bool(getattr(self.view, "idempotent_writes", False)) and self.method in ("POST", "PUT", "PATCH")

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._idempotent_write():
            from karpear.core.api_idempotency import IDEMPOTENCY_PARAMETER

            parameters.append(IDEMPOTENCY_PARAMETER)
        return parameters

    def _is_public(self) -> bool:
        return all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: the error body and responses as components, and links between operations."""
    components = result.setdefault("components", {})
    components["schemas"] = dict(sorted({**components.get("schemas", {}), "Error": ERROR_SCHEMA}.items()))
    components["responses"] = {
        name: {**response, "content": {"application/json": {"schema": _ERROR}}}
        for name, response in ERROR_RESPONSES.values()
    }
    _add_links(result)
    return result


def _item_properties(schema: dict[str, Any], components: dict[str, Any]) -> set[str]:
    ref = schema.get("$ref", "")
    return set(components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}))


def _add_links(result: dict[str, Any]) -> None:
    """Link each list answer (its first item) and each creation answer to the operations on that record.

    A record's path is the list's path followed by `{key}/`, where `key` is a field of the record (`uuid`,
    `code`, `id`): `/people/` -> `/people/{uuid}/` and `/people/{uuid}/...`.
    """
    components = result["components"]["schemas"]
    operations = [(path, method, op) for path, item in result["paths"].items() for method, op in item.items()]
    for path, method, operation in operations:
        status, pointer = {"get": ("200", "/results/0"), "post": ("201", "")}.get(method, ("", ""))
        response = operation["responses"].get(status, {})
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if not schema:
            continue
        if method == "get":
            paginated = components.get(schema.get("$ref", "").rsplit("/", 1)[-1], {})
            schema = paginated.get("properties", {}).get("results", {}).get("items", {})
        fields = _item_properties(schema, components)
        links = {}
        for target_path, _method, target in operations:
            match = re.fullmatch(re.escape(path) + r"\{(\w+)\}/(.*)", target_path)
            if match is None or match.group(1) not in fields or "{" in match.group(2):
                continue
            key = match.group(1)
            links[target["operationId"]] = {
                "operationId": target["operationId"],
                "parameters": {key: f"$response.body#{pointer}/{key}"},
                "description": f"`{key}` of the {'first record listed' if pointer else 'new record'}",
            }
        if links:
            response["links"] = dict(sorted(links.items()))
