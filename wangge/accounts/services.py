"""Accounts, roles and API tokens."""

from __future__ import annotations

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import ApiToken, Role, User
from wangge.accounts.permissions import ACCOUNTS_MANAGE
from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, has_permission, is_system, not_found, require, scope_of
from wangge.core.permissions import catalogue
from wangge.org.models import OrgUnit

ACCOUNT_AUDIT_FIELDS = ("username", "display_name", "is_active", "jurisdiction_id", "staff_id")


def _account_snapshot(user: User) -> dict:
    data = {f: getattr(user, f) for f in ACCOUNT_AUDIT_FIELDS}
    data["roles"] = sorted(user.roles.values_list("code", flat=True)) if user.pk else []
    return data


def _require_manage(actor: Actor) -> None:
    require(actor, ACCOUNTS_MANAGE)


def _grantable_roles(actor: Actor, roles: list[Role]) -> None:
    """Nobody grants a permission they do not hold themselves."""
    if is_system(actor):
        return
    mine = actor.permission_codes()
    for role in roles:
        if not set(role.clean_permissions()) <= mine:
            raise PermissionDenied(_("You cannot grant the role %(role)s.") % {"role": role.name})


@transaction.atomic
def create_account(
    *,
    actor: Actor,
    username: str,
    password: str,
    jurisdiction: OrgUnit | None,
    roles: list[Role],
    display_name: str = "",
    staff=None,
) -> User:
    _require_manage(actor)
    if jurisdiction is not None:
        scope_of(actor).require_unit(jurisdiction)
    if not is_system(actor) and jurisdiction is None:
        raise ValidationError({"jurisdiction": _("An account needs a jurisdiction inside yours.")})
    _grantable_roles(actor, roles)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("A username is required.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    from django.contrib.auth.password_validation import validate_password

    user = User(username=username, display_name=display_name, jurisdiction=jurisdiction, staff=staff)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.roles.set(roles)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=user,
        path=jurisdiction.path if jurisdiction else "",
        after=_account_snapshot(user),
    )
    return user


def accounts(actor: Actor):
    """Accounts whose jurisdiction lies inside the actor's."""
    return scope_of(actor).filter(User.objects.all(), path_field="jurisdiction__path")


@transaction.atomic
def update_account(
    *,
    actor: Actor,
    user: User,
    jurisdiction: OrgUnit | None = None,
    roles: list[Role] | None = None,
    display_name: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    _require_manage(actor)
    scope = scope_of(actor)
    scope.require_unit(user.jurisdiction)
    if user.pk == actor.pk and (is_active is False or roles is not None):
        raise ValidationError(_("You cannot deactivate yourself or change your own roles."))
    # Nobody takes over an account that holds rights they do not hold themselves.
    _grantable_roles(actor, list(user.roles.all()))
    before = _account_snapshot(user)
    if jurisdiction is not None:
        scope.require_unit(jurisdiction)
        user.jurisdiction = jurisdiction
    if display_name is not None:
        user.display_name = display_name
    if is_active is not None:
        user.is_active = is_active
    if password:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
    user.save()
    if roles is not None:
        _grantable_roles(actor, roles)
        user.roles.set(roles)
    after = _account_snapshot(user)
    if password:
        after["password_changed"] = True
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=user,
        path=user.jurisdiction.path if user.jurisdiction else "",
        before=before,
        after=after,
    )
    return user


@transaction.atomic
def change_own_password(*, user: User, new_password: str, path: str = "") -> User:
    """The account's holder changes their own password (the old one checked by the page's form);
    audited without the password, under `path` (the account's area, or its venue's)."""
    from django.contrib.auth.password_validation import validate_password

    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(
        actor=user,
        action=Action.UPDATE,
        obj=user,
        path=path or (user.jurisdiction.path if user.jurisdiction else ""),
        after={"password_changed": True},
    )
    return user


@transaction.atomic
def issue_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for the actor's own account. Returns the raw key, shown once."""
    raw = ApiToken.new_raw_key()
    token = ApiToken.objects.create(
        user=actor, name=(name or "API").strip()[:100], key_hash=ApiToken.hash(raw), prefix=raw[3:11]
    )
    audit.record(
        actor=actor,
        action=Action.TOKEN,
        obj=token,
        path=actor.jurisdiction.path if actor.jurisdiction else "",
        after={"name": token.name, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise not_found()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=Action.UPDATE,
            obj=token,
            path=actor.jurisdiction.path if actor.jurisdiction else "",
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


# Bearer tokens are checked on every API call, and a sampling site sends a call per scan. A
# worker remembers a token's account for TOKEN_CACHE_SECONDS: revoking a token, deactivating an
# account or changing its roles takes effect at once in the worker that did it (the cache is
# cleared on any save of an account, token or role) and within that many seconds in the others.
TOKEN_CACHE_SECONDS = 10.0
TOKEN_CACHE_SIZE = 10_000
_token_cache: dict[str, tuple[float, User]] = {}


def clear_token_cache(*_args, **_kwargs) -> None:
    _token_cache.clear()


def user_for_token(raw: str) -> User | None:
    if not raw or not raw.startswith("wg_"):
        return None
    key = ApiToken.hash(raw)
    hit = _token_cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < TOKEN_CACHE_SECONDS:
        return hit[1]
    user = _user_for_token(raw)
    if user is not None:
        if len(_token_cache) >= TOKEN_CACHE_SIZE:
            _token_cache.clear()
        user.permission_codes()  # load the roles once, with the account
        _token_cache[key] = (time.monotonic(), user)
    return user


def _user_for_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__jurisdiction")
        .filter(key_hash=ApiToken.hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def ensure_role(*, code: str, name: str, permissions: list[str], description: str = "") -> Role:
    unknown = set(permissions) - set(catalogue())
    if unknown:
        raise ValidationError(f"unknown permissions {sorted(unknown)}")
    role, _created = Role.objects.update_or_create(
        code=code, defaults={"name": name, "permissions": sorted(permissions), "description": description}
    )
    return role


def _require_district_roles_admin(actor: Actor) -> None:
    """Roles are district-wide: only a roles administrator at the top of the tree defines them."""
    from wangge.accounts.permissions import ROLES_MANAGE

    if is_system(actor):
        return
    scope = scope_of(actor)
    if not has_permission(actor, ROLES_MANAGE) or scope.is_empty or scope.root.parent_id is not None:
        raise PermissionDenied(_("Only a district roles administrator can define roles."))


@transaction.atomic
def save_role(
    *,
    actor: Actor,
    role: Role | None = None,
    code: str,
    name: str,
    permissions: list[str],
    description: str = "",
) -> Role:
    _require_district_roles_admin(actor)
    unknown = set(permissions) - set(catalogue())
    if unknown:
        raise ValidationError(
            {"permissions": _("Unknown permissions: %(p)s") % {"p": ", ".join(sorted(unknown))}}
        )
    code = (code or "").strip()
    name = (name or "").strip()
    if not code or not name:
        raise ValidationError(_("A role needs a code and a name."))
    clash = Role.objects.filter(code=code)
    if role is not None:
        clash = clash.exclude(pk=role.pk)
    if clash.exists():
        raise ValidationError({"code": _("This code is taken.")})
    before = None
    if role is None:
        role = Role()
    else:
        role = Role.objects.select_for_update().get(pk=role.pk)
        before = audit.snapshot(role)
    role.code, role.name, role.permissions, role.description = (
        code,
        name,
        sorted(set(permissions)),
        description,
    )
    role.save()
    path = actor.jurisdiction.path if getattr(actor, "jurisdiction", None) else ""
    audit.record(
        actor=actor,
        action=Action.UPDATE if before else Action.CREATE,
        obj=role,
        path=path,
        before=before,
        after=audit.snapshot(role),
    )
    return role


def require_roles_admin(actor: Actor) -> None:
    _require_district_roles_admin(actor)
