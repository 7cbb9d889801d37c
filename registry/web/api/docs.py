"""The OpenAPI description (``/api/v1/openapi.json``) and its documentation page
(``/api/v1/docs``): server-rendered from the generated description, no script, no CDN, so
it works offline under the strict Content-Security-Policy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, json, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")
METHODS = ("get", "post", "put", "patch", "delete")


def spec() -> dict[str, Any]:
    from registry.web.api import spec_of

    return spec_of(current_app)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return Response(json.dumps(spec(), indent=2), mimetype="application/json")


def _ref_name(schema: dict[str, Any] | None) -> str | None:
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return _ref_name(prop) or ""
    kind = prop.get("type", "")
    if isinstance(kind, list):
        kind = " | ".join(k for k in kind)
    if kind == "array":
        return f"array of {_type_of(prop.get('items', {}))}"
    if "allOf" in prop:
        return " & ".join(_type_of(p) for p in prop["allOf"])
    if prop.get("format"):
        kind = f"{kind} ({prop['format']})"
    if prop.get("enum"):
        kind = f"{kind}: {', '.join(str(v) for v in prop['enum'] if v is not None)}"
    return kind


def operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation with what a reader needs: method, path, summary, scope, parameters,
    request and response schemas."""
    out = []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            responses = []
            for status, response in op.get("responses", {}).items():
                content = response.get("content", {})
                kind, media = next(iter(content.items()), (None, {}))
                responses.append(
                    (status, response.get("description", ""), kind, _ref_name(media.get("schema")))
                )
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "tag": (op.get("tags") or [""])[0],
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        (
                            p["name"],
                            p["in"],
                            p.get("required", False),
                            _type_of(p.get("schema", {})),
                        )
                        for p in (*item.get("parameters", []), *op.get("parameters", []))
                    ],
                    "body": _ref_name(next(iter(body.values()), {}).get("schema")),
                    "responses": responses,
                }
            )
    return out


def schemas(doc: dict[str, Any]) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    found = []
    for name, schema in sorted(doc.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        props = [(k, _type_of(v), k in required) for k, v in schema.get("properties", {}).items()]
        found.append((name, props))
    return found


@bp.get("/docs")
def page() -> str:
    doc = spec()
    return render_template(
        "api/docs.html",
        info=doc.get("info", {}),
        operations=operations(doc),
        schemas=schemas(doc),
    )
