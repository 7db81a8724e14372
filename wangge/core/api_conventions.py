"""The API's conventions, in one place: ids, pagination, bounded numbers, text, errors, bodies.

Every app's api module builds on these types instead of bare `int` and `str`, so that what the
OpenAPI document promises is what the API checks:

- `Id`: a positive 64-bit integer, for every id in a path, a query or a body. A huge or
  negative id answers 422, an id that names nothing in your jurisdiction answers 404.
- `Pagination` (with `@paginate`) for list operations; `Limit` and `Offset` for the ones that
  page by hand (their own page shape). `limit` is 1..500, `offset` 0..`MAX_OFFSET`; outside, 422.
- `Days` and `bounded(lo, hi)` for other numbers that reach a query.
- `Line` (names, addresses: no control characters at all) and `Text` (notes: line breaks and
  tabs allowed, no other control character).
- One error shape: `{"detail": str}`, and on 422 also `errors: [{loc, msg, type}]`. The
  handlers are installed once (`install_error_handlers`), and every operation documents its
  4xx answers (`ConventionalAPI` adds them when the routers are bound).
- A JSON body must be an object: a scalar, a list or null answers 422.

This module is part of the kernel: it imports no domain app.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from ninja.responses import Status
from pydantic import Field

from wangge.core.access import public_view
from wangge.core.unavailable import UNAVAILABLE_ERRORS, log, unavailable_response

# --- numbers ----------------------------------------------------------------------------------

MAX_ID = 2**63 - 1
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_OFFSET = 10_000_000
MAX_DAYS = 3650

Id = Annotated[int, Field(ge=1, le=MAX_ID, description="A positive 64-bit id.")]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT} rows.")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Days = Annotated[int, Field(ge=1, le=MAX_DAYS)]


def bounded(lo: int, hi: int) -> Any:
    """An integer between lo and hi, both included (for counts, sizes, positions)."""
    return Annotated[int, Field(ge=lo, le=hi)]


class Pagination(LimitOffsetPagination):
    """The one pagination of list operations: `?limit=1..500&offset=0..MAX_OFFSET` → `{items, count}`."""

    class Input(Schema):
        limit: Limit = DEFAULT_LIMIT
        offset: Offset = 0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


# --- text -----------------------------------------------------------------------------------

# C0 controls, DEL and C1 controls. `Text` lets tab, line feed and carriage return through.
LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"

Line = Annotated[str, Field(pattern=LINE_PATTERN, description="One line, no control characters.")]
Text = Annotated[str, Field(pattern=TEXT_PATTERN, description="Text; no control characters but line breaks.")]


# --- errors ---------------------------------------------------------------------------------


class ErrorOut(Schema):
    """Every error answer (400, 401, 403, 404, 409, 503…)."""

    detail: str


class ErrorItem(Schema):
    loc: list[str | int] = Field(default_factory=list)
    msg: str
    type: str = ""


class ValidationErrorOut(Schema):
    """422: what was wrong, in one sentence (`detail`) and field by field (`errors`)."""

    detail: str
    errors: list[ErrorItem]


ERROR_CODES = (400, 401, 403, 404, 409, 422, 503)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _django_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "message_dict"):
        return [
            {"loc": [] if field == "__all__" else [field], "msg": str(m), "type": "invalid"}
            for field, msgs in exc.message_dict.items()
            for m in msgs
        ]
    return [{"loc": [], "msg": str(m), "type": "invalid"} for m in exc.messages]


def _ninja_errors(exc: NinjaValidationError) -> list[dict]:
    errors = []
    for e in exc.errors:
        loc = [p if isinstance(p, int) else str(p) for p in e.get("loc", ())]
        errors.append({"loc": loc, "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
    return errors


def _sentence(errors: list[dict]) -> str:
    """The errors as one line a person can read: `field: message; field: message`."""
    parts = []
    for e in errors:
        field = next((p for p in reversed(e["loc"]) if isinstance(p, str) and p not in _SOURCES), "")
        parts.append(f"{field}: {e['msg']}" if field else e["msg"])
    return "; ".join(parts) or _("The request is not valid.")


_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie", "payload"}


class BodyNotAnObject(ValueError):
    pass


class ObjectBodyParser(Parser):
    """A JSON body is an object: a bare number, string, list or null is refused (422)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject(_("The body must be a JSON object."))
        return data


def invalid(api: NinjaAPI, request: HttpRequest, errors: list[dict], status: int = 422):
    return api.create_response(request, {"detail": _sentence(errors), "errors": errors}, status=status)


def install_error_handlers(api: NinjaAPI) -> None:
    """One error shape for the whole API: `{"detail": str}`, and `errors` on 422."""

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return api.create_response(
            request, {"detail": str(exc) or _("Your role does not allow this.")}, status=403
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    @api.exception_handler(DjangoValidationError)
    def django_invalid(request, exc):
        return invalid(api, request, _django_errors(exc))

    @api.exception_handler(NinjaValidationError)
    def ninja_invalid(request, exc):
        return invalid(api, request, _ninja_errors(exc))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        if isinstance(exc.__cause__, BodyNotAnObject):
            return invalid(api, request, [{"loc": ["body"], "msg": str(exc.__cause__), "type": "type_error"}])
        if exc.status_code == 400:
            return api.create_response(request, {"detail": _("The body is not valid JSON.")}, status=400)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(OverflowError)
    def overflow(request, exc):
        return invalid(api, request, [{"loc": [], "msg": _("A number is out of range."), "type": "overflow"}])

    @api.exception_handler(DataError)
    def data_error(request, exc):
        # A value the database cannot hold (a number out of range, a text too long).
        return invalid(
            api, request, [{"loc": [], "msg": _("A value is out of range."), "type": "data_error"}]
        )

    def unavailable(request, exc):
        log.warning("503 for %s %s: %s", request.method, request.path_info, type(exc).__name__)
        return unavailable_response(request)

    for error in UNAVAILABLE_ERRORS:  # a database or Redis outage: 503 with Retry-After
        api.add_exception_handler(error, unavailable)

    @api.exception_handler(IntegrityError)
    def conflict(request, exc):
        return api.create_response(
            request, {"detail": _("This conflicts with a record that already exists.")}, status=409
        )


# --- documenting the errors on every operation --------------------------------------------------


def _has_body(operation) -> bool:
    return any(
        getattr(model, "__ninja_param_source__", None) in ("body", "form", "file")
        for model in operation.models
    )


def error_codes(operation) -> set[int]:
    """The 4xx answers an operation can give."""
    codes = {404, 422}
    if operation.auth_callbacks:
        codes |= {401, 403}
    if _has_body(operation):
        codes.add(400)
    if set(operation.methods) & WRITE_METHODS:
        codes.add(409)
    return codes


def document_errors(operation) -> None:
    """Add the error answers to an operation's responses (idempotent).

    An operation that declared a single success code (`response={201: X}`) and returns a bare
    value keeps answering that code: ninja picks the only declared code, which would no
    longer be the only one.
    """
    if getattr(operation, "wangge_errors_documented", False):
        return
    models = operation.response_models
    if len(models) == 1:
        only = next(iter(models))
        if isinstance(only, int) and only < 400:
            original = operation._result_to_response

            @functools.wraps(original)
            def result_to_response(request, result, temporal_response, _only=only, _original=original):
                if not isinstance(result, Status) and not hasattr(result, "status_code"):
                    result = Status(_only, result)
                return _original(request, result, temporal_response)

            operation._result_to_response = result_to_response
    for code in sorted(error_codes(operation)):
        if code not in models:
            schema = ValidationErrorOut if code == 422 else ErrorOut
            models[code] = operation._create_response_model(schema)
    operation.wangge_errors_documented = True


@csrf_exempt
@public_view
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under the API that names no operation (a non-numeric id included): JSON, not HTML."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


class ConventionalAPI(NinjaAPI):
    """NinjaAPI that refuses non-object bodies, documents every operation's errors and answers
    unknown paths with a JSON 404. Routers may be added at any time before the URLs are built."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parser", ObjectBodyParser())
        super().__init__(*args, **kwargs)
        install_error_handlers(self)

    def _get_bound_routers(self):
        bound = super()._get_bound_routers()
        for bound_router in bound:
            for path_view in bound_router.path_operations.values():
                for operation in path_view.operations:
                    document_errors(operation)
        return bound

    def _get_urls(self):
        return [*super()._get_urls(), re_path(r"^.*$", api_not_found, name="not-found")]


def operations(api: NinjaAPI) -> list[tuple[str, Operation]]:
    """Every (path, operation) of the API, bound: for checks and tests."""
    result: list[tuple[str, Operation]] = []
    for bound_router in api._get_bound_routers():
        for path, path_view in bound_router.path_operations.items():
            for operation in path_view.operations:
                result.append((bound_router.prefix + path, operation))
    return result


def unprocessable(error: DjangoValidationError | str) -> Status:
    """A 422 in the documented shape, for handlers that answer a refusal themselves."""
    exc = error if isinstance(error, DjangoValidationError) else DjangoValidationError(error)
    errors = _django_errors(exc)
    return Status(422, {"detail": _sentence(errors), "errors": errors})


def schema_name_clashes(api: NinjaAPI) -> dict[str, set[str]]:
    """Schemas of the API that share a name: the OpenAPI document keeps only one of them, so
    every operation using the other would be documented with the wrong fields."""
    import typing

    from pydantic import BaseModel

    found: dict[str, set[str]] = {}

    def walk(annotation: Any, seen: set) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in seen:
                return
            seen.add(annotation)
            if annotation.__name__ != "NinjaResponseSchema" and not annotation.__module__.startswith(
                "ninja."
            ):
                found.setdefault(annotation.__name__, set()).add(
                    f"{annotation.__module__}.{annotation.__qualname__}"
                )
            for field in annotation.model_fields.values():
                walk(field.annotation, seen)
        for arg in typing.get_args(annotation):
            walk(arg, seen)

    seen: set = set()
    for _path, operation in operations(api):
        for model in [*operation.response_models.values(), *operation.models]:
            walk(model, seen)
    return {name: where for name, where in found.items() if len(where) > 1}
