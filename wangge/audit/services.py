"""Writing the audit trail. Call inside the transaction that makes the change."""

from __future__ import annotations

import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models

from wangge.audit.models import Action, AuditEvent
from wangge.core.access import Actor, scope_of, user_or_none

# Set per request by middleware: "web" or "api"; commands leave "cli".
current_channel: contextvars.ContextVar[str] = contextvars.ContextVar("wangge_audit_channel", default="cli")
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("wangge_request_id", default="")

NEVER_AUDITED = {"password", "key_hash", "short_code"}  # short_code: a key to a person's own page


def jsonable(value: Any) -> Any:
    from django.db.models.fields.files import FieldFile

    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Field values of a record, foreign keys as ids, secrets left out."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in NEVER_AUDITED:
            continue
        data[field.attname] = jsonable(field.value_from_object(obj))
    return data


def _account_of(actor: Actor):
    """The account to record, None for the platform itself. A missing actor is a caller's bug:
    the platform must be named (SYSTEM, PUBLIC_ACTOR), never implied."""
    if actor is None:
        raise ValueError("an audited action needs its actor: pass SYSTEM or PUBLIC_ACTOR for the platform")
    return user_or_none(actor)


def record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model,
    path: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    return _event(
        actor=actor,
        action=action,
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj),
        path=path or getattr(obj, "path", "") or "",
        before=before,
        after=after,
    )


def record_reveal(*, actor: Actor, kind: str, model: str, masked: str, page: str) -> AuditEvent:
    """A full ID number or phone shown on demand: what kind, whose table, which page. The number
    itself is never written here, only its masked form."""
    return _event(
        actor=actor,
        action=Action.VIEW,
        model=model.rstrip(".") or "core.personal_number",
        object_id="",
        object_repr=f"{kind} {masked}",
        # Under the viewer's own jurisdiction: those who oversee them see what they revealed.
        path=scope_of(actor).path,
        before=None,
        after={"revealed": kind, "masked": masked, "page": page},
    )


def _event(
    *,
    actor: Actor,
    action: str,
    model: str,
    object_id: str,
    object_repr: str,
    path: str,
    before: dict | None,
    after: dict | None,
) -> AuditEvent:
    """One audit row, with the request's channel and id."""
    actor_obj = _account_of(actor)
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_name=(actor_obj.get_username() if actor_obj else "system"),
        action=action,
        model=model[:100],
        object_id=object_id,
        object_repr=object_repr[:200],
        path=path,
        before=before,
        after=after,
        channel=current_channel.get(),
        request_id=current_request_id.get(),
    )


def record_view(*, actor: Actor, obj: models.Model, path: str = "") -> AuditEvent:
    """Viewing a person's full record is itself an audited act."""
    return record(actor=actor, action=Action.VIEW, obj=obj, path=path)


@contextmanager
def request_context(request) -> Iterator[None]:
    """The channel (api or web) and the request id every audit row of this request carries."""
    channel = "api" if request.path.startswith("/api/") else "web"
    t1 = current_channel.set(channel)
    # META, not request.headers: building the headers mapping cost every API call 40 µs.
    t2 = current_request_id.set(request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex)
    try:
        yield
    finally:
        current_channel.reset(t1)
        current_request_id.reset(t2)


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(request):
            return self.get_response(request)


def row_context(actor: Actor) -> tuple[int | None, str, str, str]:
    """(actor id, actor name, channel, request id): what every audit row of this request carries,
    for a caller that writes the row in SQL of its own (the database's single-scan check-in)."""
    actor_obj = _account_of(actor)
    return (
        actor_obj.pk if actor_obj else None,
        actor_obj.get_username() if actor_obj else "system",
        current_channel.get(),
        current_request_id.get(),
    )


def record_sql(
    *, actor: Actor, action: str, obj: models.Model, path: str = "", after: dict | None = None
) -> tuple[str, list]:
    """The INSERT of one audit row, as (sql, params), for a caller that sends several writes in
    one statement (the check-in hot path). Same row as `record` writes."""
    from django.db import connection
    from django.utils import timezone

    actor_id, actor_name, channel, request_id = row_context(actor)
    values = {
        "at": timezone.now(),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "model": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
        "path": path or getattr(obj, "path", "") or "",
        "before": None,
        "after": after,
        "channel": channel,
        "request_id": request_id,
    }
    fields = [AuditEvent._meta.get_field(name) for name in values]
    params = [f.get_db_prep_save(values[f.attname], connection) for f in fields]
    columns = ", ".join(f.column for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {AuditEvent._meta.db_table} ({columns}) VALUES ({placeholders})", params  # noqa: S608
