"""PlanAlign Studio's own OpenAPI document (`shared/spec/studio/openapi.json`, beside this repository)
as JSON Schema validators for the contract tests: the response body schema of a route, with its
`#/components/schemas/...` references resolved and `date-time` strings checked."""

import json
import os
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# The spec sits beside the repository (README: `../shared/spec/api.md`); CI may point elsewhere.
STUDIO_OPENAPI = Path(
    os.environ.get(
        "PLANALIGN_STUDIO_OPENAPI",
        Path(__file__).resolve().parents[3] / "shared" / "spec" / "studio" / "openapi.json",
    )
)
# OpenAPI 3.1 schemas are JSON Schema 2020-12; the whole document is one resource at this URI, so a
# `#/components/...` reference inside any of its schemas resolves against the document.
DOCUMENT_URI = "urn:planalign-studio:openapi.json"
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def is_date_time(value: object) -> bool:
    """RFC 3339: a date, `T`, a time and an offset (`Z` or `+00:00`)."""
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value)
    return value[10:11] in ("T", "t") and parsed.tzinfo is not None


@FORMATS.checks("date", raises=ValueError)
def is_date(value: object) -> bool:
    return not isinstance(value, str) or date.fromisoformat(value).isoformat() == value


@cache
def studio_openapi() -> dict[str, Any]:
    if not STUDIO_OPENAPI.is_file():
        raise FileNotFoundError(f"the Studio's OpenAPI document is not at {STUDIO_OPENAPI}")
    document: dict[str, Any] = json.loads(STUDIO_OPENAPI.read_text())
    return document


@cache
def _registry() -> Registry:
    resource: Resource[Any] = Resource.from_contents(studio_openapi(), default_specification=DRAFT202012)
    return Registry().with_resource(DOCUMENT_URI, resource)


def studio_paths() -> set[str]:
    return set(studio_openapi()["paths"])


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@cache
def response_validator(method: str, path: str, status: int) -> Draft202012Validator:
    """The validator of the JSON body the Studio's backend answers `method path` with `status`. A 2xx
    the document does not list falls back to the route's one documented 2xx (the Studio accepts any
    2xx: we answer 202 where its backend says 200)."""
    operation = studio_openapi()["paths"][path][method.lower()]
    documented = operation["responses"]
    code = str(status)
    if code not in documented and 200 <= status < 300:
        successes = [c for c in documented if c.startswith("2")]
        assert len(successes) == 1, f"{method} {path}: documented 2xx are {successes}"
        code = successes[0]
    assert code in documented, f"{method} {path}: {status} is not documented ({sorted(documented)})"
    pointer = _pointer(
        "paths", path, method.lower(), "responses", code, "content", "application/json", "schema"
    )
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#/{pointer}"}, registry=_registry(), format_checker=FORMATS
    )


@cache
def component_validator(name: str) -> Draft202012Validator:
    """The validator of one of the document's `components/schemas` (e.g. the `data` of a WebSocket
    message, which no path answers)."""
    assert name in studio_openapi()["components"]["schemas"], f"no component schema {name}"
    pointer = _pointer("components", "schemas", name)
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#/{pointer}"}, registry=_registry(), format_checker=FORMATS
    )


def component_errors(name: str, value: Any) -> list[str]:
    """Every way `value` breaks the component schema `name`, as `location: message` lines."""
    errors = sorted(component_validator(name).iter_errors(value), key=_location)
    return [f"{_location(error) or '<value>'}: {error.message}" for error in errors]


def contract_errors(method: str, path: str, status: int, body: Any) -> list[str]:
    """Every way `body` breaks the schema, as `location: message` lines (empty when it conforms); for
    a value that fits none of an `anyOf`, what each alternative says."""
    lines = []
    for error in sorted(response_validator(method, path, status).iter_errors(body), key=_location):
        line = f"{_location(error) or '<body>'}: {error.message}"
        if error.context:
            line += "".join(f"\n    or: {_location(alt) or '<body>'}: {alt.message}" for alt in error.context)
        lines.append(line)
    return lines


def _location(error: ValidationError) -> str:
    return "/".join(map(str, error.absolute_path))
