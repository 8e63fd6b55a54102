"""The generated OpenAPI schema, made complete enough to generate a working client.

Done once here for every endpoint, so a new one gets it without asking:

- **tags**: one per resource, the path's first part after ``/api/v1/`` (``letters``,
  ``requests``, ``milestones``); an ``extend_schema(tags=…)`` still wins;
- **summaries**: the standard actions say what they do to which record ("List
  letters", "Change some fields of a letter"); an ``extend_schema(summary=…)`` wins;
- **responses every address can give** (``complete_responses``): 406 (an ``Accept``
  the endpoint cannot answer), 429 (throttled), 503 (no database), 405 where the
  address refuses some methods, 413 on bodies, and 304 with ``If-None-Match`` on
  every page of a list (they all carry an ``ETag``), all in the one error shape;
- **examples** (``add_examples``): every operation without one gets an example of
  its answer, built from the schema of that answer, and each error an example of the
  error shape with its ``code``;
- **one schema per body** (``one_schema_per_body``): JSON, and multipart only where a
  file is uploaded, as a component of its own;
- **exact shapes** (``refuse_unknown_fields``): request bodies and the public
  representation have exactly their properties (``additionalProperties: false``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.utils import translation
from drf_spectacular.openapi import AutoSchema as _SpectacularAutoSchema

from tracker.api.public_shapes import PUBLIC_COMPONENTS

_METHODS = ("get", "post", "put", "patch", "delete")
_ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _operations(result: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in result.get("paths", {}).items()
        for method, operation in operations.items()
        if method in _METHODS
    ]


# --- One schema per body -------------------------------------------------------------

_JSON = "application/json"
_MULTIPART = "multipart/form-data"
_FORM = "application/x-www-form-urlencoded"


def _has_file(component: dict[str, Any]) -> bool:
    return any(
        field.get("format") == "binary" for field in component.get("properties", {}).values()
    )


def one_schema_per_body(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Each body in one media type per schema, so a generated client knows what to send.

    drf-spectacular lists JSON, form and multipart for every body with one component,
    which a client generator cannot tell apart (it would send all three). JSON is what
    clients send; multipart stays only where a file can be uploaded, as its own
    component (``Multipart…``), the JSON one keeping every field but the file.
    """
    schemas = result.get("components", {}).get("schemas", {})
    split: dict[str, str] = {}
    for _path, _method, operation in _operations(result):
        content = operation.get("requestBody", {}).get("content", {})
        if _JSON not in content:
            continue
        content.pop(_FORM, None)
        multipart = content.get(_MULTIPART)
        if multipart is None:
            continue
        ref = content[_JSON].get("schema", {}).get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if multipart.get("schema", {}).get("$ref") != ref or name not in schemas:
            continue
        if name not in split and not _has_file(schemas[name]):
            del content[_MULTIPART]
            continue
        if name not in split:
            split[name] = f"Multipart{name}"
            schemas[split[name]] = copy.deepcopy(schemas[name])
            json_body = schemas[name]
            files = [
                key
                for key, field in json_body.get("properties", {}).items()
                if field.get("format") == "binary"
            ]
            for key in files:
                del json_body["properties"][key]
            if "required" in json_body:
                json_body["required"] = [key for key in json_body["required"] if key not in files]
        multipart["schema"] = {"$ref": f"#/components/schemas/{split[name]}"}
    return result


# --- Exact shapes ---------------------------------------------------------------------


def _refs(node: Any) -> set[str]:
    """The component names ``node`` refers to, directly or through other components."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def refuse_unknown_fields(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Say in the schema what the API does: a request body with an unknown field is a 400.

    Applies to the components that are request bodies (whatever their name: a
    signed-in request's answer is the component ``Request``, which is not one), and
    to the public representation, which has exactly its fields.
    """
    schemas = result.get("components", {}).get("schemas", {})
    bodies: set[str] = set()
    for _path, _method, operation in _operations(result):
        bodies |= _refs(operation.get("requestBody", {}))
    for name in bodies | (PUBLIC_COMPONENTS & set(schemas)):
        component = schemas.get(name, {})
        if component.get("type") == "object":
            component.setdefault("additionalProperties", False)
    return result


# --- Responses every address can give -------------------------------------------------

_GENERAL_ERRORS = {
    "405": "This address does not take this method (e.g. a write on the status log): "
    "`method_not_allowed`; the `Allow` header lists the methods it takes.",
    "406": "The `Accept` header names no representation this endpoint gives "
    "(`not_acceptable`): ask for JSON (`application/json`), or CSV where offered.",
    "413": "The body is larger than the largest attachment with its form (`too_large`); "
    "refused before it is read.",
    "429": "Too many requests (`throttled`): without a token (`ANONYMOUS_API_PER_MINUTE`), "
    "with wrong tokens (`WRONG_TOKENS_PER_MINUTE`), or wrong passwords; wait the "
    "`Retry-After` seconds.",
    "503": "The service cannot reach its database (`unavailable`); retry after the "
    "`Retry-After` seconds.",
}

_IF_NONE_MATCH_PAGE = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The weak `ETag` of the page you hold (`W/"…"`): 304 without a body '
    "while nothing on the page changed.",
}
_NOT_MODIFIED_PAGE = {
    "description": "Not Modified: nothing on the page changed since the `ETag` named in "
    "`If-None-Match`. No body."
}


def _error(description: str) -> dict[str, Any]:
    return {
        "content": {"application/json": {"schema": dict(_ERROR_REF)}},
        "description": description,
    }


def _is_page(operation: dict[str, Any]) -> bool:
    content = operation["responses"].get("200", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return isinstance(ref, str) and ref.startswith("#/components/schemas/Paginated")


def complete_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Add the answers any endpoint can give that no view declares one by one."""
    paths = result.get("paths", {})
    for path, method, operation in _operations(result):
        responses = operation.setdefault("responses", {})
        wanted = ["406", "429", "503"]
        if not set(_METHODS) <= set(paths[path]):
            wanted.append("405")
        if "requestBody" in operation:
            wanted.append("413")
        for code in wanted:
            responses.setdefault(code, _error(_GENERAL_ERRORS[code]))
        # An error declared with a description only still answers in the error shape.
        for code, response in responses.items():
            if code[:1] in ("4", "5") and not response.get("content"):
                response["content"] = _error("")["content"]
        if method == "get" and _is_page(operation):
            responses.setdefault("304", _NOT_MODIFIED_PAGE)
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == "If-None-Match" for p in parameters):
                parameters.append(dict(_IF_NONE_MATCH_PAGE))
        operation["responses"] = dict(sorted(responses.items()))
    return result


# --- Examples -------------------------------------------------------------------------

#: Example bodies of the error shape, by status.
ERROR_EXAMPLES: dict[str, dict[str, Any]] = {
    "400": {
        "code": "invalid",
        "detail": "Some fields are not valid: sent_on.",
        "errors": {"sent_on": ["'2010-13' is not a real date (month must be in 1..12)."]},
    },
    "401": {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "errors": {},
    },
    "403": {
        "code": "permission_denied",
        "detail": "You do not have permission to perform this action.",
        "errors": {},
    },
    "404": {"code": "not_found", "detail": "No such record.", "errors": {}},
    "405": {"code": "method_not_allowed", "detail": 'Method "POST" not allowed.', "errors": {}},
    "406": {
        "code": "not_acceptable",
        "detail": "Could not satisfy the request Accept header.",
        "errors": {},
    },
    "409": {
        "code": "transition_not_allowed",
        "detail": "An opt-out request cannot move from Draft to Denied.",
        "errors": {},
        "current": "draft",
        "allowed": ["notice_sent", "withdrawn"],
    },
    "412": {
        "code": "stale_record",
        "detail": "This record was changed by someone else after you opened it (your "
        "version 3, now 4). Nothing was saved.",
        "errors": {},
        "current_version": 4,
        "changes": [
            {
                "field": "title",
                "label": "title",
                "old": "Opt out",
                "new": "Arlington opts out",
                "by": "editor",
                "at": "2010-09-28T14:30:00+00:00",
            }
        ],
    },
    "413": {"code": "too_large", "detail": "The body is too large.", "errors": {}},
    "415": {
        "code": "unsupported_media_type",
        "detail": 'Unsupported media type "text/plain" in request.',
        "errors": {},
    },
    "422": {
        "code": "idempotency_key_reused",
        "detail": "This Idempotency-Key was already used for another request.",
        "errors": {},
    },
    "428": {
        "code": "precondition_required",
        "detail": "Send the If-Match header with the ETag of the version you read (the "
        'record is now at "4"), or If-Match: * to change whatever version is current.',
        "errors": {},
        "current_version": 4,
        "etag": '"4"',
    },
    "429": {
        "code": "throttled",
        "detail": "Request was throttled. Expected available in 42 seconds.",
        "errors": {},
    },
    "503": {
        "code": "unavailable",
        "detail": "The tracker cannot reach its database. Try again shortly.",
        "errors": {},
    },
}

_PARTIAL_DATE = re.compile(r"YYYY-MM")

#: Plausible text for the fields whose name says what they hold.
NAMED_EXAMPLES: dict[str, str] = {
    "reference": "3f9c2a7b1d04",
    "key": "3f9c2a7b1d04-8e1d0c5a9f22",
    "name": "Arlington County",
    "title": "Arlington opts out",
    "subject": "Notice of opt-out",
    "summary": "The county asks to be removed from the deployment plan.",
    "outcome": "ICE agreed to defer activation.",
    "note": "Faxed to ICE and the SIB.",
    "notes": "Called the program office on 30 September.",
    "by": "editor",
    "owner": "editor",
    "username": "editor",
    "speaker": "David Venturella",
    "place": "Arlington County Board room",
    "resource": "letters",
    "etag": '"4"',
}


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return components.get(ref.rsplit("/", 1)[1], {})
    return schema


def example_of(
    schema: dict[str, Any], components: dict[str, Any], depth: int = 0, name: str = ""
) -> Any:
    """A value that fits ``schema``: the first choice of a ``oneOf`` or an enum, the
    example given in the schema, or a plain value of the type (text by the field's
    ``name`` where it says what it holds)."""
    schema = _resolve(schema, components)
    if depth > 8:
        return None
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    for combined in ("oneOf", "anyOf", "allOf"):
        if schema.get(combined):
            value = example_of(schema[combined][0], components, depth + 1, name)
            if combined == "allOf" and value is None:
                continue
            return value
    if schema.get("enum"):
        return next((value for value in schema["enum"] if value not in ("", None)), None)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            key: example_of(field, components, depth + 1, key)
            for key, field in schema.get("properties", {}).items()
            if not field.get("writeOnly")
        }
    if kind == "array":
        return [example_of(schema.get("items", {}), components, depth + 1, name)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "string":
        text_format = schema.get("format")
        if text_format == "date-time":
            return "2010-09-28T14:30:00Z"
        if text_format == "date":
            return "2010-09-28"
        if text_format == "uri":
            return "https://tracker.example.org/api/v1/letters/7/attachment/"
        if text_format == "binary":
            return None
        if _PARTIAL_DATE.search(schema.get("description", "")):
            return "2010-09"
        return NAMED_EXAMPLES.get(name, "string")
    return None


def has_example(operation: dict[str, Any]) -> bool:
    """Whether the operation shows an example of its answer (or of its body)."""
    places = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
    return any(
        "example" in media or "examples" in media
        for place in places
        for media in place.get("content", {}).values()
    )


def add_examples(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """An example of the answer for every operation that shows none, and of the error
    shape for every error it documents."""
    components = result.get("components", {}).get("schemas", {})
    for _path, _method, operation in _operations(result):
        responses = operation.get("responses", {})
        shown = has_example(operation)
        for code, response in responses.items():
            media = response.get("content", {}).get("application/json")
            if media is None or "example" in media or "examples" in media:
                continue
            if code in ERROR_EXAMPLES and _refs(media.get("schema", {})) == {"Error"}:
                media["examples"] = {code: {"value": ERROR_EXAMPLES[code], "summary": code}}
        if shown:
            continue
        for code, response in sorted(responses.items()):
            if not code.startswith("2"):
                continue
            media = response.get("content", {}).get("application/json")
            if media is not None and "schema" in media:
                value = example_of(media["schema"], components)
                media["examples"] = {"Answer": {"value": value, "summary": "An answer"}}
                break
    return result


# --- Tags and summaries ---------------------------------------------------------------

_RESOURCE = re.compile(r"^/api/v\d+/([^/{]+)/")

_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Read one {name}",
    "create": "Create {a} {name}",
    "update": "Replace {a} {name} (every writable field)",
    "partial_update": "Change some fields of {a} {name}",
    "destroy": "Delete {a} {name}",
}


class AutoSchema(_SpectacularAutoSchema):
    """drf-spectacular's schema, with a tag per resource, a summary for every standard
    action, and which reads need no token.

    A ``GET`` that a view opens to the public (``public_read`` and
    ``public_actions``, see :mod:`tracker.api.public`) lists "no authentication"
    among its security requirements, so clients and checkers know it answers
    without a token (with the published records only).
    """

    def get_tags(self) -> list[str]:
        found = _RESOURCE.match(self.path)
        if found:
            return [found[1]]
        tags: list[str] = super().get_tags()
        return tags

    def get_summary(self) -> str | None:
        given: str | None = super().get_summary()
        if given:
            return given
        action = getattr(self.view, "action", None)
        template = _SUMMARIES.get(action or "")
        model = self._model()
        if template and model is not None:
            with translation.override("en"):
                name = str(model._meta.verbose_name)
                return template.format(
                    a="an" if name[:1] in "aeiou" else "a",
                    name=name,
                    plural=str(model._meta.verbose_name_plural),
                )
        description = (self.get_description() or "").strip()
        if description:
            return description.split("\n", 1)[0].split(". ", 1)[0].rstrip(".")
        return f"{self.method} {self.path}"

    def _model(self) -> Any:
        """The model of the view's records, or None."""
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        if model is None:
            serializer_class = getattr(self.view, "serializer_class", None)
            model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        return model

    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = super().get_auth()
        view = self.view
        public = getattr(view, "public_read", False) and getattr(view, "action", None) in getattr(
            view, "public_actions", ()
        )
        if public and self.method == "GET" and {} not in auths:
            auths.append({})
        return auths
