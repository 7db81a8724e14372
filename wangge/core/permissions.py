"""The permission catalogue, filled by each part from its own AppConfig.

A part declares its permissions (stable code, translated label) and which of the standard
roles hold each by default; the kernel keeps the catalogue and derives the standard roles'
default sets from it, so adding a part edits no other part's files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_noop

# The standard roles every district starts with (code, label); districts may add their own.
# The district administrator holds every permission of every part.
DISTRICT_ADMIN = "district_admin"
STANDARD_ROLE_LABELS: list[tuple[str, str]] = [
    (DISTRICT_ADMIN, gettext_noop("District administrator")),
    ("office_leader", gettext_noop("Office leader")),
    ("working_group_lead", gettext_noop("Working-group lead")),
    ("department_staff", gettext_noop("Department staff")),
    ("village_cadre", gettext_noop("Village / community cadre")),
    ("grid_leader", gettext_noop("Grid leader")),
    ("grid_worker", gettext_noop("Grid worker")),
    ("volunteer", gettext_noop("Volunteer")),
    ("sampling_registrar", gettext_noop("Sampling-site registrar")),
    ("lab", gettext_noop("Testing lab")),
]
STANDARD_ROLE_CODES = frozenset(code for code, _label in STANDARD_ROLE_LABELS)


@dataclass(frozen=True)
class Permission:
    code: str
    label: str | Promise
    # Standard roles holding it by default (the district administrator always does).
    roles: tuple[str, ...] = ()


_catalogue: dict[str, Permission] = {}


def register_permissions(permissions: Iterable[Permission]) -> None:
    for permission in permissions:
        unknown = set(permission.roles) - STANDARD_ROLE_CODES
        if unknown:
            raise ValueError(f"{permission.code}: unknown standard roles {sorted(unknown)}")
        existing = _catalogue.get(permission.code)
        if existing is not None and existing != permission:
            raise ValueError(f"permission {permission.code} registered twice")
        _catalogue[permission.code] = permission


def catalogue() -> dict[str, str | Promise]:
    """Code → label, in the order the parts registered them."""
    return {code: p.label for code, p in _catalogue.items()}


def is_known(code: str) -> bool:
    return code in _catalogue


def default_permissions(role_code: str) -> list[str]:
    if role_code == DISTRICT_ADMIN:
        return list(_catalogue)
    return [code for code, p in _catalogue.items() if role_code in p.roles]


def standard_roles() -> list[tuple[str, str, list[str]]]:
    """(code, label, default permissions) of every standard role."""
    return [(code, label, default_permissions(code)) for code, label in STANDARD_ROLE_LABELS]
