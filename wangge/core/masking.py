"""Personal numbers as they are shown: masked for every role by default.

Showing a full ID number or phone is an explicit act: the caller asks `shown(viewer, kind,
value)` (or the template tags `{% id_number %}` / `{% phone %}`), and the value comes back in
full only when the viewer's role holds the permission the owning part registered for that
kind of value. A `Masked` value prints masked wherever it is rendered; its full text must be
asked for by name (`.full`).
"""

from __future__ import annotations

from typing import Any

from wangge.core.access import has_permission

ID = "id"
PHONE = "phone"
KINDS = (ID, PHONE)

# (model label prefix, kind) → permission that reveals it in full; "" is every model.
_reveal_permissions: dict[tuple[str, str], str] = {}


def register_reveal_permission(kind: str, permission: str, *, model_prefix: str = "") -> None:
    """A part says which permission shows a kind of value in full (for its models, or everywhere)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of personal value: {kind}")
    _reveal_permissions[(model_prefix, kind)] = permission


def reveal_permission(kind: str, model: str = "") -> str | None:
    """The permission for this kind of value of this model ("roster.staffmember"); longest prefix wins."""
    best: tuple[int, str] | None = None
    for (prefix, k), permission in _reveal_permissions.items():
        if k == kind and model.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), permission)
    return best[1] if best else None


def may_reveal(viewer: Any, kind: str, model: str = "") -> bool:
    permission = reveal_permission(kind, model)
    return permission is not None and has_permission(viewer, permission)


def mask_id(number: str | None) -> str:
    """110105********002X: the area and the last four of an identity card stay, the birth date goes.
    A shorter document (a passport's E12345678, a permit) keeps two characters at each end, so that
    at least half of it is always hidden."""
    if not number:
        return ""
    if len(number) <= 8:
        return number[:2] + "*" * (len(number) - 2)
    if len(number) < 15:
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """138****5678: a mobile's operator prefix and last four stay; a short landline keeps two at each end."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 2)
    if len(phone) < 11:
        return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask(kind: str, value: str | None) -> str:
    return mask_id(value) if kind == ID else mask_phone(value)


def shown(viewer: Any, kind: str, value: str | None, model: str = "") -> str:
    """The value as this viewer may see it: in full only if their role allows it."""
    if not value:
        return ""
    return value if may_reveal(viewer, kind, model) else mask(kind, value)


class Masked:
    """A personal number that renders masked (templates, f-strings, JSON through `str`).

    The full value is `.full`: reading it is the explicit, greppable act.
    """

    __slots__ = ("full", "kind")

    def __init__(self, kind: str, value: str | None) -> None:
        self.kind = kind
        self.full = value or ""

    def __str__(self) -> str:
        return mask(self.kind, self.full)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Masked({self.kind}, {str(self)!r})"

    def __bool__(self) -> bool:
        return bool(self.full)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Masked) and other.kind == self.kind and other.full == self.full

    def __hash__(self) -> int:
        return hash((self.kind, self.full))

    def for_viewer(self, viewer: Any, model: str = "") -> str:
        return shown(viewer, self.kind, self.full, model)
