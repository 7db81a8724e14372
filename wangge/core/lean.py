"""Lean API handlers: the few calls that carry a round's morning, served before the page middleware.

A sampling table's scans and uploads are most of the requests of a round's morning, and the
stack every page needs (session, CSRF, messages, htmx, the axes login guard, ninja's routing and
body validation) cost more CPU than the check-in itself. A part registers a lean handler for one
method and path from its AppConfig; `LeanApiMiddleware` (right after SecurityMiddleware) runs it for a
request that carries a bearer token of an active account, with the account's language and the
audit context, and nothing else of the page stack.

The lean path is never more permissive and never answers differently from the full one: a
handler returns None for anything it is not sure of (no token, a token it cannot resolve, a body
that does not validate, no permission, an unknown site, a refusal before anything is stored),
and the request then goes through the full stack unchanged, which answers as it always does.
Browser requests (session and CSRF) always take the full stack.

This module is part of the kernel: it imports no domain app.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from wangge.core.api import user_for_bearer_token
from wangge.core.middleware import forbid_caching


@dataclass(frozen=True)
class LeanHandler:
    method: str
    pattern: re.Pattern
    handler: Callable[..., HttpResponse | None]


_handlers: list[LeanHandler] = []
# Parts that keep per-request context (the audit's channel and request id) register it here, so
# that the lean path sets it exactly as their middleware does.
_contexts: list[Callable[[HttpRequest], AbstractContextManager]] = []


def register_lean_handler(method: str, path_regex: str, handler: Callable[..., HttpResponse | None]) -> None:
    """`handler(request, **groups)` answers, or returns None to leave the request to the full stack.
    `request.user` is the token's account and the account's language is active."""
    _handlers.append(LeanHandler(method.upper(), re.compile(path_regex), handler))


def register_request_context(context: Callable[[HttpRequest], AbstractContextManager]) -> None:
    """A context manager factory entered around every lean handler (as the part's middleware would)."""
    _contexts.append(context)


# Django checks a kept connection with a round trip of its own (SELECT 1) before each request's
# first statement. A connection that answered a lean request this recently is not checked again:
# on a round's morning a table's connection is never idle, and the check was one round trip in six
# of a scan. If it broke since (a database restart), the handler's first statement fails, the
# handler gives the request up, and the full stack checks the connection as always, replaces it,
# and answers: nothing is lost and no answer changes.
RECENT_SECONDS = 1.0
_recent = threading.local()  # per thread, as Django's connections are: .connection, .at


def _default_connection() -> Any:
    # The backend's own wrapper: the stubs' base class does not declare the health-check flags.
    return connections[DEFAULT_DB_ALIAS]


def _skip_health_check_if_recent() -> bool:
    conn = _default_connection()
    if (
        conn.connection is not None
        and conn.connection is getattr(_recent, "connection", None)
        and not conn.errors_occurred
        and time.monotonic() - _recent.at < RECENT_SECONDS
        and not conn.health_check_done
    ):
        conn.health_check_done = True
        return True
    return False


def _note_answered() -> None:
    conn = _default_connection()
    if conn.connection is not None and not conn.errors_occurred:
        _recent.connection, _recent.at = conn.connection, time.monotonic()


def _bearer(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@contextmanager
def _entered(request: HttpRequest) -> Iterator[None]:
    with ExitStack() as stack:
        for context in _contexts:
            stack.enter_context(context(request))
        yield


def _finish(response: HttpResponse, language: str) -> HttpResponse:
    """What the page middleware adds to an API answer: no caching anywhere, no framing, the language."""
    forbid_caching(response)
    response.setdefault("X-Frame-Options", "DENY")
    response.setdefault("Content-Language", language)
    return response


def run_lean(request: HttpRequest) -> HttpResponse | None:
    """The lean answer to this request, or None (the full stack answers)."""
    method = request.method
    path = request.path_info
    for lean in _handlers:
        if lean.method != method:
            continue
        match = lean.pattern.fullmatch(path)
        if match is None:
            continue
        token = _bearer(request)
        if not token:
            return None
        user = user_for_bearer_token(token)
        if user is None or not user.is_active:
            return None
        language = translation.get_language_from_request(request)
        request.user = user
        request.auth = user  # type: ignore[attr-defined]
        request.LANGUAGE_CODE = language
        skipped_check = _skip_health_check_if_recent()
        with translation.override(language), _entered(request):
            response = lean.handler(request, **match.groupdict())
            if response is None:
                if skipped_check:
                    _default_connection().health_check_done = False
                return None
            _note_answered()
            return _finish(response, language)
    return None


class LeanApiMiddleware:
    """Runs the registered lean handlers (see the module); everything else passes on untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _handlers and request.method == "POST":
            response = run_lean(request)
            if response is not None:
                return response
        return self.get_response(request)
