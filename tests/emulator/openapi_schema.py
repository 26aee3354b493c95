"""Check emulator responses against Mailtrap's published OpenAPI documents.

The documents in tests/emulator/openapi/ are unmodified copies (CC BY-SA 4.0, see the README
there). `assert_matches_spec(response, "sandbox.openapi.yml")` finds the operation by the
request's method and path (or the `path=` template given), the documented response by status
code and media type, and validates the body with jsonschema. The documents use OpenAPI 3.0's
`nullable: true`, which JSON Schema ignores, so it is turned into `null` being allowed.
Their object schemas list no `required` properties, which makes plain validation lenient;
`require_all=True` treats every documented property as required.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).parent / "openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@cache
def load_spec(name: str) -> dict[str, Any]:
    """The parsed OpenAPI document `name` (a file in SPEC_DIR), as published."""
    with (SPEC_DIR / name).open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def _allow_null(node: Any, require_all: bool) -> Any:
    """A copy of a schema tree with `nullable: true` made explicit (and, if asked, every
    property of an object schema required)."""
    if isinstance(node, list):
        return [_allow_null(item, require_all) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _allow_null(value, require_all) for key, value in node.items()}
    if require_all and isinstance(result.get("properties"), dict) and "required" not in result:
        result["required"] = sorted(result["properties"])
    if result.pop("nullable", False) is True:
        if isinstance(result.get("type"), str):
            result["type"] = [result["type"], "null"]
        elif "$ref" in result:
            result = {"anyOf": [result, {"type": "null"}]}
    return result


@cache
def _registry(name: str, require_all: bool) -> tuple[str, Registry]:
    uri = f"urn:mailtrap-openapi:{name}:{'strict' if require_all else 'lenient'}"
    document = _allow_null(copy.deepcopy(load_spec(name)), require_all)
    return uri, Registry().with_resource(uri, DRAFT202012.create_resource(document))


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _follow(document: dict[str, Any], pointer: str) -> tuple[Any, str]:
    """The node at a JSON pointer, following a `$ref` found there (response objects)."""
    node: Any = document
    for raw in pointer.lstrip("/").split("/"):
        segment = raw.replace("~1", "/").replace("~0", "~")
        node = node[segment]
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        pointer = node["$ref"].lstrip("#")
        node, pointer = _follow(document, pointer)
    return node, pointer


def operation_path(name: str, url_path: str) -> str:
    """The spec's path template matching a concrete request path."""
    for template in load_spec(name)["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, url_path):
            return str(template)
    raise AssertionError(f"{url_path} is not a path of {name}")


def response_schema_pointer(name: str, path: str, method: str, status: int, media_type: str) -> str:
    """JSON pointer (into the document) of the schema documented for that response."""
    spec = load_spec(name)
    operation = spec["paths"][path].get(method.lower())
    assert operation is not None, f"{method.upper()} {path} is not in {name}"
    responses = operation["responses"]
    key = next((k for k in (str(status), status, "default") if k in responses), None)
    assert key is not None, f"{status} is not documented for {method.upper()} {path} in {name}"
    base = f"/paths/{_escape(path)}/{method.lower()}/responses/{_escape(str(key))}"
    response, base = _follow(spec, base)
    content = response.get("content") or {}
    assert media_type in content, (
        f"{media_type} is not documented for {status} of {method.upper()} {path}"
        f" (documented: {', '.join(content) or 'no body'})"
    )
    return f"{base}/content/{_escape(media_type)}/schema"


def validation_errors(
    name: str, pointer: str, instance: Any, *, require_all: bool = False
) -> list[str]:
    """Every way `instance` fails the schema at `pointer`, as readable lines."""
    uri, registry = _registry(name, require_all)
    validator = Draft202012Validator({"$ref": f"{uri}#{pointer}"}, registry=registry)
    return sorted(
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in validator.iter_errors(instance)
    )


def assert_matches_spec(
    response: requests.Response,
    name: str,
    *,
    path: str | None = None,
    require_all: bool = False,
) -> Any:
    """Assert that `response` is what `name` documents for its request; returns the body
    (parsed JSON, or text). `path` is the spec's template when the request used another
    form of the path (e.g. an account-scoped alias)."""
    request = response.request
    method = str(request.method)
    url_path = urlsplit(str(request.url)).path
    template = path or operation_path(name, url_path)
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    pointer = response_schema_pointer(name, template, method, response.status_code, media_type)
    body: Any = response.json() if "json" in media_type else response.text
    errors = validation_errors(name, pointer, body, require_all=require_all)
    assert not errors, f"{method} {url_path} -> {response.status_code}:\n" + "\n".join(errors)
    return body


def assert_schema_rejects(name: str, pointer: str, instance: Any) -> None:
    """For the helper's own tests: `instance` must fail the schema at `pointer`."""
    assert validation_errors(name, pointer, instance), json.dumps(instance)[:200]
