"""Presenting audit rows on pages: labels, compact diffs, links, contact data masked by permission.

Every name looked up here goes through the scoped selectors, so a reference to a record
outside the viewer's subtree stays a bare id.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from wangge.audit.models import AuditEvent
from wangge.core import masking
from wangge.core.access import Scope

# Snapshot fields holding personal numbers: masked unless the viewer's role reveals them
# (each part registers which permission reveals which kind of value, see wangge.core.masking).
CONTACT_FIELDS = {"phone", "manager_phone"}
ID_FIELDS = {"id_number"}


def _kind(field: str) -> str | None:
    if field in ID_FIELDS:
        return masking.ID
    if field in CONTACT_FIELDS:
        return masking.PHONE
    return None


def reveal(model: str, field: str, viewer: Any) -> bool:
    """Whether this viewer may see this field of an audit snapshot in full."""
    kind = _kind(field)
    return kind is None or masking.may_reveal(viewer, kind, model)


def masked(model: str, field: str, value: Any, viewer: Any) -> Any:
    """The value as this viewer may see it: ID numbers and phones masked unless their role needs them."""
    kind = _kind(field)
    if kind is None or not isinstance(value, str) or not value:
        return value
    return masking.shown(viewer, kind, value, model)


def masked_snapshot(model: str, snapshot: dict | None, viewer: Any) -> dict | None:
    if not snapshot:
        return snapshot
    return {k: masked(model, k, v, viewer) for k, v in snapshot.items()}


# Bookkeeping fields left out of the compact diff (the detail page shows them).
NOISE_FIELDS = {"id", "updated_at", "path", "depth", "created_at", "name_initials", "code_version"}

EMPTY = (None, "", [], {})

CHANNELS = {
    "web": gettext_lazy("Web"),
    "api": gettext_lazy("API"),
    "cli": gettext_lazy("Command line"),
}


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


# Words for records and fields whose model gives none in the reader's language (a model or a
# field without an explicit verbose name, or a key a service adds to a snapshot). Each part
# registers its own (register_labels); the common field names are here.
_model_labels: dict[str, Any] = {}
_field_labels: dict[tuple[str, str], Any] = {}
COMMON_FIELD_LABELS: dict[str, Any] = {
    "id": pgettext_lazy("audit field", "record number"),
    "path": pgettext_lazy("audit field", "place in the tree"),
    "depth": pgettext_lazy("audit field", "depth in the tree"),
    "created_at": pgettext_lazy("audit field", "created at"),
    "updated_at": pgettext_lazy("audit field", "updated at"),
    "created_by": pgettext_lazy("audit field", "created by"),
    "person": pgettext_lazy("audit field", "person"),
    "people": pgettext_lazy("audit field", "people"),
    "grid": pgettext_lazy("audit field", "grid"),
    "unit": pgettext_lazy("audit field", "org unit"),
    "round": pgettext_lazy("audit field", "testing round"),
    "site": pgettext_lazy("audit field", "sampling site"),
    "tube": pgettext_lazy("audit field", "sample tube"),
    "box": pgettext_lazy("audit field", "transport box"),
    "measure": pgettext_lazy("audit field", "control measure"),
    "screening": pgettext_lazy("audit field", "screening record"),
    "bulk": pgettext_lazy("audit field", "bulk order"),
    "category": pgettext_lazy("audit field", "category"),
    "policy": pgettext_lazy("audit field", "measure rule"),
    "status": pgettext_lazy("audit field", "status"),
    "confining": pgettext_lazy("audit field", "confining"),
    "proposed_by": pgettext_lazy("audit field", "proposed by"),
    "proposed_at": pgettext_lazy("audit field", "proposed at"),
    "decided_by": pgettext_lazy("audit field", "decided by"),
    "decided_at": pgettext_lazy("audit field", "decided at"),
    "approved_by": pgettext_lazy("audit field", "approved by"),
    "approved_at": pgettext_lazy("audit field", "approved at"),
    "closed_by": pgettext_lazy("audit field", "closed by"),
    "closed_at": pgettext_lazy("audit field", "closed at"),
    "checked_through": pgettext_lazy("audit field", "checked through"),
    "rejected_reason": pgettext_lazy("audit field", "reason for rejecting"),
    "name": pgettext_lazy("audit field", "name"),
    "receipt": pgettext_lazy("audit field", "receipt number"),
    "id_type": pgettext_lazy("audit field", "type of ID document"),
    "merged": pgettext_lazy("audit field", "merged reports"),
    "skipped": pgettext_lazy("audit field", "skipped"),
    "population_built_at": pgettext_lazy("audit field", "list of people built at"),
    "population_added": pgettext_lazy("audit field", "people added to the list"),
    "measure_dues": pgettext_lazy("audit field", "tests due under measures"),
    "areas": pgettext_lazy("audit field", "areas"),
    "calling_plan": pgettext_lazy("audit field", "calling plan"),
    "added": pgettext_lazy("audit field", "samples added"),
    "added_tubes": pgettext_lazy("audit field", "tubes added"),
    "tubes": pgettext_lazy("audit field", "tubes"),
    "members": pgettext_lazy("audit field", "people in the tube"),
    "retests": pgettext_lazy("audit field", "re-tests"),
    "how": pgettext_lazy("audit field", "how"),
    "sealed_for_new_tube": pgettext_lazy("audit field", "sealed to open a new tube"),
    "handover": pgettext_lazy("audit field", "hand-over"),
    "at": pgettext_lazy("audit field", "at"),
    "source": pgettext_lazy("audit field", "source"),
    "name_initials": pgettext_lazy("audit field", "initials of the name (for search)"),
    "code_version": pgettext_lazy("audit field", "version of the personal code"),
    "revealed": pgettext_lazy("audit field", "number shown"),
    "masked": pgettext_lazy("audit field", "number (masked)"),
    "page": pgettext_lazy("audit field", "page"),
}
# Values a service writes into a snapshot as codes, in words.
COMMON_VALUE_LABELS: dict[str, Any] = {
    "resident_id": pgettext_lazy("ID document", "resident identity card"),
    "site_to_transport": pgettext_lazy("hand-over", "site to transport"),
    "transport_to_lab": pgettext_lazy("hand-over", "transport to lab"),
    "queued_scans": pgettext_lazy("audit value", "scans queued offline"),
}


def register_labels(model: str, label: Any = None, fields: dict[str, Any] | None = None) -> None:
    """Words for a record type ("testing.tube") and for fields or snapshot keys of it."""
    if label is not None:
        _model_labels[model] = label
    for key, text in (fields or {}).items():
        _field_labels[(model, key)] = text


def register_value_labels(values: dict[str, Any]) -> None:
    COMMON_VALUE_LABELS.update(values)


def model_label(label: str) -> str:
    if label in _model_labels:
        return str(_model_labels[label])
    if label == "core.personal_number" or (label and "." not in label):
        # A reveal names the number's owner only by its part ("registry", "roster").
        return str(pgettext_lazy("record type", "personal number"))
    model = _model(label)
    return str(model._meta.verbose_name) if model is not None else label


def _field(label: str, attname: str):
    model = _model(label)
    if model is not None:
        for field in model._meta.concrete_fields:
            if attname in (field.attname, field.name):
                return field
    return None


def field_label(label: str, attname: str) -> str:
    key = attname.removesuffix("_id") if attname.endswith("_id") and attname != "id" else attname
    if (label, attname) in _field_labels:
        return capfirst(str(_field_labels[(label, attname)]))
    if (label, key) in _field_labels:
        return capfirst(str(_field_labels[(label, key)]))
    field = _field(label, attname)
    # An explicit verbose name is a translatable (lazy) string; Django's own is the field's name.
    if field is not None and isinstance(field.verbose_name, Promise):
        return capfirst(str(field.verbose_name))
    if key in COMMON_FIELD_LABELS:
        return capfirst(str(COMMON_FIELD_LABELS[key]))
    return capfirst(str(field.verbose_name)) if field is not None else attname


def _field_order(label: str) -> dict[str, int]:
    model = _model(label)
    if model is None:
        return {}
    return {f.attname: i for i, f in enumerate(model._meta.concrete_fields)}


def channel_label(channel: str) -> str:
    return str(CHANNELS.get(channel, channel or "—"))


def format_value(value: Any, *, mask: bool = False) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return masking.mask_phone(text) if mask else text


@dataclass
class Change:
    field: str
    label: str
    before: str
    after: str
    changed: bool


# Snapshot fields that point at another record, and the kind of record they name. Each part
# registers how to name its kinds inside a scope, and where its records' pages are.
REFERENCE_FIELDS: dict[str, str] = {}
_reference_sources: dict[str, Callable[[Scope, set[int]], QuerySet]] = {}
_object_urls: dict[str, Callable[[int, dict], str | None]] = {}


def register_reference(kind: str, source: Callable[[Scope, set[int]], QuerySet], *fields: str) -> None:
    """`source(scope, ids)` gives the records of that kind inside the scope (with `name`)."""
    _reference_sources[kind] = source
    for field in fields:
        REFERENCE_FIELDS[field] = kind


def register_object_url(model: str, url_of: Callable[[int, dict], str | None]) -> None:
    """`url_of(pk, snapshot)` is the page of a record of `model` ("roster.staffmember")."""
    _object_urls[model] = url_of


def reference_names(scope: Scope, events: Iterable[AuditEvent]) -> dict[tuple[str, Any], str]:
    """Names of the records the snapshots refer to, one query per kind, only inside the scope."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        for snap in (event.before or {}, event.after or {}):
            for key, kind in REFERENCE_FIELDS.items():
                value = snap.get(key)
                if isinstance(value, int):
                    wanted[kind].add(value)
    if not wanted or scope.is_empty:
        return {}
    names: dict[tuple[str, Any], str] = {}
    for kind, ids in wanted.items():
        for pk, name in _reference_sources[kind](scope, ids).values_list("pk", "name"):
            names[(kind, pk)] = name
    return names


def _show(model: str, field: str, value: Any, *, viewer: Any, names: dict) -> str:
    kind = REFERENCE_FIELDS.get(field)
    if kind and (kind, value) in names:
        return f"{names[(kind, value)]} (#{value})"
    model_field = _field(model, field)
    if model_field is not None and model_field.choices and not isinstance(value, bool | list | dict):
        choices = dict(model_field.flatchoices)
        if value in choices and value not in ("", None):
            return str(choices[value])
    if field == "revealed" and value in REVEALED_KINDS:
        return str(REVEALED_KINDS[value])
    if isinstance(value, str) and value in COMMON_VALUE_LABELS:
        return str(COMMON_VALUE_LABELS[value])
    if model_field is not None and model_field.is_relation and isinstance(value, int):
        return f"#{value}"  # a record outside the viewer's scope, or of a kind without names
    return format_value(masked(model, field, value, viewer))


def changes(
    event: AuditEvent, *, viewer: Any, names: dict | None = None, all_fields: bool = False
) -> list[Change]:
    """The fields of the row; by default only changed ones, without bookkeeping noise."""
    names = names or {}
    before = event.before or {}
    after = event.after or {}
    if all_fields:
        keys = list(dict.fromkeys([*before, *after]))
    else:
        # Changed fields that hold something on one side (a creation lists what was filled in).
        keys = [
            k
            for k, b, a in event.changed_fields()
            if k not in NOISE_FIELDS and (b not in EMPTY or a not in EMPTY)
        ]
    order = _field_order(event.model)
    keys.sort(key=lambda k: order.get(k, len(order)))
    out = []
    for key in keys:
        b, a = before.get(key), after.get(key)
        out.append(
            Change(
                field=key,
                label=field_label(event.model, key),
                before=_show(event.model, key, b, viewer=viewer, names=names) if key in before else "",
                after=_show(event.model, key, a, viewer=viewer, names=names) if key in after else "",
                changed=b != a,
            )
        )
    return out


def object_url(event: AuditEvent) -> str | None:
    """The page of the record the row is about, when there is one (the page itself checks scope)."""
    url_of = _object_urls.get(event.model)
    if url_of is None or not event.object_id.isdigit():
        return None
    return url_of(int(event.object_id), event.after or event.before or {})


REVEALED_KINDS = {
    masking.ID: pgettext_lazy("revealed number", "ID number"),
    masking.PHONE: pgettext_lazy("revealed number", "phone"),
}


def is_reveal(event: AuditEvent) -> bool:
    return isinstance(event.after, dict) and event.after.get("revealed") in REVEALED_KINDS


def event_label(event: AuditEvent) -> str:
    """The record type a row is about; a reveal is about a personal number, whatever its table."""
    if is_reveal(event):
        return str(pgettext_lazy("record type", "personal number"))
    return model_label(event.model)


def event_repr(event: AuditEvent) -> str:
    """What the row names: a reveal says which kind of number, in the reader's language."""
    if is_reveal(event):
        return f"{REVEALED_KINDS[event.after['revealed']]} {event.after.get('masked', '')}".strip()
    return event.object_repr or event.object_id


@dataclass
class EventRow:
    event: AuditEvent
    model_label: str
    action_label: str
    channel_label: str
    url: str | None
    changes: list[Change]
    more: int
    repr: str = ""


def rows(scope: Scope, events: Iterable[AuditEvent], *, viewer: Any, limit: int = 4) -> list[EventRow]:
    events = list(events)
    names = reference_names(scope, events)
    out = []
    for event in events:
        diff = changes(event, viewer=viewer, names=names)
        out.append(
            EventRow(
                event=event,
                model_label=event_label(event),
                repr=event_repr(event),
                action_label=str(event.get_action_display()),
                channel_label=channel_label(event.channel),
                url=object_url(event),
                changes=diff[:limit],
                more=max(len(diff) - limit, 0),
            )
        )
    return out
