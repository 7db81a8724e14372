"""Failing well while the database (or Redis) is away: 503 with Retry-After, never a 500 page.

A round's morning can meet a database restart or a Redis outage. Then every answer is a short
"try again shortly": JSON (`{"detail": …}`, the API's one error shape) under /api/, a small page
elsewhere, both with `Retry-After` so that the sampling table's queue and a load balancer wait
and retry. The log gets one line, not a traceback (and nothing personal). Django drops the
broken connection at the end of the request, so the next request reconnects by itself.

Three ways in, because the failure can happen in three places:
- a view (or an API handler) raises: `UnavailableMiddleware.process_exception`;
- a middleware raises (loading the session or the user needs the database): `server_error`,
  the project's handler500, looks at the exception being handled;
- Django logs the uncaught exception: `QuietUnavailable` strips its traceback.

This module is part of the kernel: it imports no domain app.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

log = logging.getLogger("wangge.unavailable")

RETRY_AFTER_SECONDS = 5


def _redis_errors() -> tuple[type[Exception], ...]:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # Redis is optional (the embedded default has none)
        return ()
    return (RedisConnectionError, RedisTimeoutError)


UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, *_redis_errors())


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether an exception says a backing service is away (or was, mid-request), here or in
    what caused it."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, UNAVAILABLE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The answer while a backing service is away; it touches neither the database nor Redis."""
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        title = _("Please try again shortly")
        response = HttpResponse(
            '<!doctype html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title></head>"
            f'<body style="font-family:sans-serif;padding:1.5rem"><h1>{escape(title)}</h1>'
            f"<p>{escape(message)}</p></body></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class UnavailableMiddleware:
    """A view that met an unavailable database or Redis answers 503 (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_unavailable(exception):
            return None
        log.warning("503 for %s %s: %s", request.method, request.path_info, type(exception).__name__)
        return unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 when what failed was a backing service, JSON under /api/, else Django's."""
    if is_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("An unexpected error occurred; it has been logged.")}, status=500)
    return defaults.server_error(request)


class QuietUnavailable(logging.Filter):
    """Logs an outage as one line: the traceback of a lost connection says nothing new, and the
    exception's text could quote a parameter."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and is_unavailable(record.exc_info[1]):
            name = type(record.exc_info[1]).__name__
            record.exc_info = None
            record.exc_text = None
            record.msg = f"{record.getMessage()} (backing service unavailable: {name})"
            record.args = ()
        return True
