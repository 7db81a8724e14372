"""Probes for a load balancer: /healthz (the process answers) and /readyz (it can serve: the
database answers and its migrations are applied; Redis, when configured, is reported as well but
does not make the worker unready).

HealthCheckMiddleware answers both before the session middleware, so a probe needs no
session and no user, and /healthz stays 200 while the database is away.

This module is part of the kernel: it imports no domain app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

from wangge.core.access import public_view
from wangge.core.unavailable import RETRY_AFTER_SECONDS, UNAVAILABLE_ERRORS

_migrations_checked = False  # once applied they stay applied: checked until the first success


@public_view
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except UNAVAILABLE_ERRORS:
        connection.close_if_unusable_or_obsolete()
        return "unavailable"
    return "ok"


def _migrations() -> str:
    global _migrations_checked
    if _migrations_checked:
        return "ok"
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return "pending"
    _migrations_checked = True
    return "ok"


def _redis() -> str | None:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


@public_view
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database()}
    if checks["database"] == "ok":
        checks["migrations"] = _migrations()
    ready = all(state == "ok" for state in checks.values())
    body: dict = {"status": "ready" if ready else "unavailable", "checks": checks}
    # Redis is reported, not required: check-ins and pages work without it (only rate-limited
    # public forms and background work wait), and a balancer that took every worker out of
    # service for a Redis outage would stop the sampling tables too.
    redis_state = _redis()
    if redis_state is not None:
        checks["redis"] = redis_state
        if redis_state != "ok":
            body["degraded"] = ["redis"]
    response = JsonResponse(body, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """Answers the probes before the session and the user are loaded (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info.rstrip("/"))
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
