"""The standard roles, created by migration data and the demo. Offices may add their own.

Their default permissions come from the kernel's catalogue: each part says which standard
roles hold each of its permissions (see `wangge.core.permissions`).
"""

from collections.abc import Iterable

from wangge.core.permissions import catalogue, standard_roles


def permissions_of(part: str) -> list[str]:
    """The permission codes a part registered ("registry" → registry.view, registry.edit…)."""
    return [code for code in catalogue() if code.startswith(f"{part}.")]


def create_standard_roles(role_model) -> None:
    """Create the standard roles that do not exist yet, with their default permissions.

    A role that exists is left as it is: a district may have edited it. Migrations pass the
    historical model (apps.get_model("accounts", "Role")).
    """
    for code, name, permissions in standard_roles():
        role_model.objects.get_or_create(
            code=code, defaults={"name": name, "permissions": sorted(permissions)}
        )


def grant_new_permissions(role_model, codes: Iterable[str]) -> list[str]:
    """Add the permission `codes` (new in a release) to the standard roles whose defaults hold them.

    This is what a data migration that introduces permissions calls (a new part's own migration
    does: `grant_new_permissions(Role, permissions_of("venues"))`). It only adds: a role keeps
    every permission it has and never gets back one a district took away, unless that is one of
    `codes`; roles a district deleted are not recreated, and its own roles are not touched.
    Returns the codes of the roles that changed.
    """
    codes = set(codes)
    changed = []
    for code, _name, defaults in standard_roles():
        wanted = codes & set(defaults)
        if not wanted:
            continue
        role = role_model.objects.filter(code=code).first()
        if role is None:
            continue
        have = list(role.permissions or [])
        missing = sorted(wanted - set(have))
        if missing:
            role.permissions = have + missing
            role.save(update_fields=["permissions"])
            changed.append(code)
    return changed
