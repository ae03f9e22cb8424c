"""GET /api/v1/openapi.json and the human page at /api/docs, both from the
document web/openapi.py builds (kept on the app: the route table that builds
it also lists these two handlers)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from domain.errors import CATALOGUE
from web import keys


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[keys.API_DOCUMENT])


@aiohttp_jinja2.template("api_docs.html")
async def docs_page(request: web.Request) -> dict[str, Any]:
    doc = request.app[keys.API_DOCUMENT]
    shapes = [
        (name, _fields(doc, schema))
        for name, schema in doc["components"]["schemas"].items()
        if not name.endswith("Body") and schema.get("properties")
    ]
    return {"info": doc["info"], "openapi_version": doc["openapi"], "tags": _by_tag(doc), "shapes": shapes}


def _by_tag(doc: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Operations grouped by tag, in document order, shaped for the template."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, methods in doc["paths"].items():
        for method, spec in methods.items():
            groups.setdefault(spec["tags"][0], []).append(_view(doc, method, path, spec))
    return list(groups.items())


def _view(doc: dict[str, Any], method: str, path: str, spec: dict[str, Any]) -> dict[str, Any]:
    body = spec.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return {
        "id": spec["operationId"],
        "method": method.upper(),
        "path": path,
        "summary": spec["summary"],
        "description": spec.get("description", ""),
        "public": spec.get("security") == [],
        "params": spec.get("parameters", []),
        "body": _fields(doc, body) if body else [],
        "responses": [
            {"status": status, "schema": _schema_name(answer), "codes": _codes(answer)}
            for status, answer in spec["responses"].items()
        ],
    }


def _fields(doc: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    resolved = _resolve(doc, schema)
    required = set(resolved.get("required", []))
    return [
        {"name": name, "required": name in required, "rule": _rule(prop)}
        for name, prop in resolved.get("properties", {}).items()
    ]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def _schema_name(answer: dict[str, Any]) -> str:
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).rsplit("/", 1)[-1]


def _codes(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """The error codes an error response lists, with their messages."""
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    codes = schema.get("properties", {}).get("error", {}).get("properties", {}).get("code", {}).get("enum", [])
    return [(code, CATALOGUE[code].message) for code in codes]


def _rule(prop: dict[str, Any]) -> str:
    """A short reading of a property's schema: "string, 1–64 characters"."""
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if prop.get("type") == "array" and "$ref" in prop.get("items", {}):
        return "list of " + _rule(prop["items"])
    if "oneOf" in prop or "anyOf" in prop:
        return " or ".join(_rule(option) or "object" for option in prop.get("oneOf", prop.get("anyOf", [])))
    if "enum" in prop:
        return " | ".join(str(v) for v in prop["enum"])
    if "const" in prop:
        return repr(prop["const"]) if not isinstance(prop["const"], bool) else "true"
    kind = prop.get("type", "object" if "properties" in prop else "")
    words = ["/".join(kind) if isinstance(kind, list) else str(kind)]
    if "minLength" in prop or "maxLength" in prop:
        words.append(f"{prop.get('minLength', 0)}–{prop.get('maxLength', '…')} characters")
    if "minItems" in prop or "maxItems" in prop:
        words.append(f"{prop.get('minItems', 0)}–{prop.get('maxItems', '…')} items")
    if "pattern" in prop:
        words.append(f"matching {prop['pattern']}")
    return ", ".join(w for w in words if w)
