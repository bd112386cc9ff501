"""Check JSON against the served OpenAPI schema, the way a strict client reads it.

OpenAPI 3.0 schemas are turned into JSON Schema (2020-12): `nullable` becomes a union with null, and an
object with declared properties accepts no others, so an example or answer with a field the schema does not
declare fails as surely as one that lacks a required field or has a null where none is allowed.
"""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from jsonschema import Draft202012Validator

SCHEMA_URL = "/api/v1/schema/"
_OPENAPI_ONLY = {"nullable", "readOnly", "writeOnly", "example", "discriminator", "xml", "externalDocs"}


def served_schema(**params: str) -> dict[str, Any]:
    response = Client().get(SCHEMA_URL, {"format": "json", **params})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def to_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: to_json_schema(value) for key, value in node.items() if key not in _OPENAPI_ONLY}
    if "properties" in node and "additionalProperties" not in node:
        converted["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def operation(schema: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for item in schema["paths"].values():
        for candidate in item.values():
            if candidate.get("operationId") == operation_id:
                return candidate
    raise AssertionError(f"the schema has no operation {operation_id!r}")


def answer_schema(schema: dict[str, Any], operation_id: str, status: int | str) -> dict[str, Any]:
    """The JSON schema of an operation's answer with this status (following a reference to a response)."""
    response = operation(schema, operation_id)["responses"][str(status)]
    if "$ref" in response:
        response = schema["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response["content"]["application/json"]["schema"]


def answer_errors(schema: dict[str, Any], operation_id: str, status: int | str, body: Any) -> list[str]:
    """What is wrong with `body` as this operation's answer; empty when it conforms."""
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": to_json_schema(schema["components"]),
        **to_json_schema(answer_schema(schema, operation_id, status)),
    }
    validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(body)
    ]
