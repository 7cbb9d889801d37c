"""RFC 9457 problem details for the partner API (``application/problem+json``)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, json

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
}


def problem(
    status: int,
    detail: object = "",
    errors: Mapping[str, list[object]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem response: ``type`` (about:blank: the status says it all), ``title``,
    ``status``, ``detail`` and, for invalid input, ``errors`` per field."""
    body: dict[str, object] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": str(detail or TITLES.get(status, "")),
    }
    if errors:
        body["errors"] = {k: [str(m) for m in v] for k, v in errors.items()}
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def flatten_messages(messages: object, prefix: str = "") -> dict[str, list[object]]:
    """webargs/marshmallow messages ({"json": {"field": ["..."]}}) as field -> messages."""
    out: dict[str, list[object]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key) if key not in ("json", "query", "form", "view_args") else ""
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            for field, texts in flatten_messages(value, path).items():
                out.setdefault(field, []).extend(texts)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "_schema"] = list(messages)
        else:
            for item in messages:
                for field, texts in flatten_messages(item, prefix).items():
                    out.setdefault(field, []).extend(texts)
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out
