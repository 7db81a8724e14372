"""Jurisdiction: who may see what. Fail closed.

Every query of data starts from `scope_of(actor)`. A record outside the actor's
subtree is answered with 404, exactly like a missing one. Every view must declare
how it is guarded (`scoped_view` or `public_view`, and `api_operation` for the API);
ScopeDeclarationMiddleware refuses anything undeclared.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseForbidden
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from wangge.org.models import OrgUnit

M = TypeVar("M", bound=Model)

ACCESS_ATTR = "wangge_access"
SCOPED = "scoped"
PUBLIC = "public"


class Actor(Protocol):
    """Who acts: an account, or the platform itself (SYSTEM, PUBLIC_ACTOR). Never None: a
    service handed None refuses (see `has_permission` and `scope_of`)."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def pk(self) -> Any: ...

    @property
    def jurisdiction(self) -> Any: ...

    def can(self, permission: str) -> bool: ...


class SystemActor:
    """The platform acting on its own: rules, scheduled tasks, seeding, the public forms' back end.

    It must be named explicitly (`SYSTEM`, `PUBLIC_ACTOR`): a service handed `None` refuses, so a
    caller that forgets to pass its actor gets nothing rather than full power.
    """

    is_authenticated = False
    is_active = True
    is_system = True
    pk = None
    id = None
    jurisdiction = None

    def __init__(self, name: str) -> None:
        self.name: str = name

    def can(self, permission: str) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<SystemActor {self.name}>"

    def __str__(self) -> str:
        return self.name


SYSTEM = SystemActor("system")
# The public pages' back end (self-reports, a resident's own look-up): acts for nobody in particular.
PUBLIC_ACTOR = SystemActor("public")


def is_system(actor: Actor | None) -> bool:
    return isinstance(actor, SystemActor)


def not_found() -> Http404:
    """The one answer for a record that is missing or out of scope: they must look the same."""
    return Http404(_("Not found."))


@dataclass(frozen=True)
class Scope:
    """The subtree an actor may see. `root is None` means: nothing at all, unless `unbounded`
    (the system actor, which sees the whole tree)."""

    actor: Any
    root: OrgUnit | None
    unbounded: bool = False

    @property
    def is_empty(self) -> bool:
        return self.root is None and not self.unbounded

    @property
    def path(self) -> str | None:
        if self.unbounded:
            return ""
        return self.root.path if self.root is not None else None

    def filter(self, qs: QuerySet[M, Any], path_field: str = "path") -> QuerySet[M, Any]:
        """The records of `qs` inside the scope; the one place a path prefix filter is built."""
        if self.unbounded:
            return qs
        if self.root is None:
            return qs.none()
        return qs.filter(**{f"{path_field}__startswith": self.root.path})

    def covers_path(self, path: str | None) -> bool:
        if self.unbounded:
            return True
        return self.root is not None and bool(path) and str(path).startswith(self.root.path)

    def covers(self, unit: OrgUnit | None) -> bool:
        if self.unbounded:
            return True
        return unit is not None and self.covers_path(unit.path)

    def overlaps_path(self, path: str | None) -> bool:
        """Inside the scope or above it: a round organised above a lab still reaches its tubes."""
        if self.unbounded:
            return True
        if self.root is None or not path:
            return False
        return path.startswith(self.root.path) or self.root.path.startswith(path)

    def get(self, qs: QuerySet[M, Any], path_field: str = "path", **lookup: Any) -> M:
        """One record inside the scope, or 404: out of scope looks exactly like missing."""
        return get_or_404(self.filter(qs, path_field), **lookup)

    def require(self, permission: str) -> None:
        require(self.actor, permission)

    def require_path(self, path: str | None) -> None:
        """Refuse a path outside the scope as not found, like everywhere else."""
        if not self.covers_path(path):
            raise not_found()

    def require_unit(self, unit: OrgUnit | None) -> None:
        if not self.covers(unit):
            raise not_found()


def get_or_404(qs: QuerySet[M, Any], **lookup: Any) -> M:
    """One record of an already scoped queryset, or 404 (a malformed id is not found too)."""
    try:
        return qs.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise not_found() from exc


def under(qs: QuerySet[M, Any], place: Any, path_field: str = "path") -> QuerySet[M, Any]:
    """Narrow an already scoped queryset to the records under a unit (or a path) the caller
    has already found in scope: a filter by place inside the jurisdiction, never instead of it."""
    path = place if isinstance(place, str) else place.path
    return qs.filter(**{f"{path_field}__startswith": path})


def scope_of(actor: Actor | None) -> Scope:
    """The one scoping function. None, anonymous, inactive or jurisdiction-less actors see nothing."""
    if isinstance(actor, SystemActor):
        return Scope(actor=actor, root=None, unbounded=True)
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Scope(actor=actor, root=None)
    root = getattr(actor, "jurisdiction", None)
    if root is None or root.closed_at is not None:
        return Scope(actor=actor, root=None)
    return Scope(actor=actor, root=root)


def require_path(actor: Actor | None, path: str | None) -> None:
    """Refuse, as not found, a path outside the actor's scope."""
    scope_of(actor).require_path(path)


def user_or_none(actor: Any):
    """The account behind an action, or None for a system action (rules, tasks, the public)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def has_permission(actor: Actor | None, permission: str) -> bool:
    """None and anonymous actors have no permission; the system actor has them all."""
    if isinstance(actor, SystemActor):
        return True
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.can(permission))


def require(actor: Actor | None, permission: str) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied(_("Your role does not allow this."))


def _declare(view: Callable, kind: str, permission: str | None) -> Callable:
    setattr(view, ACCESS_ATTR, kind)
    setattr(view, "wangge_permission", permission)  # noqa: B010 - a declaration read by the scoping walk
    return view


def scoped_view(permission: str | None = None) -> Callable[[Callable], Callable]:
    """A page that touches data: login required, role checked, `request.scope` set."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if permission and not has_permission(request.user, permission):
                raise PermissionDenied(_("Your role does not allow this."))
            request.scope = scope_of(request.user)  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return _declare(wrapper, SCOPED, permission)

    return decorator


def public_view(view: Callable) -> Callable:
    """A page that touches no jurisdiction data (login, language switch, health)."""
    return _declare(view, PUBLIC, None)


def api_operation(permission: str | None = None, *, public: bool = False) -> Callable[[Callable], Callable]:
    """Declare an API handler. Put it *under* the router decorator.

    The handler receives `request.scope`; the role is checked before it runs.
    """

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
            if not public:
                # The request's account, or an anonymous one (which has no permission, sees nothing).
                user: Any = getattr(request, "auth", None) or request.user
                if permission and not has_permission(user, permission):
                    raise PermissionDenied(_("Your role does not allow this."))
                request.scope = scope_of(user)  # type: ignore[attr-defined]
                request.actor = user  # type: ignore[attr-defined]
            return func(request, *args, **kwargs)

        return _declare(wrapper, PUBLIC if public else SCOPED, permission)

    return decorator


def declared_access(view_func: Callable, request: HttpRequest | None = None) -> str | None:
    """How a resolved Django view is guarded; for django-ninja, the matched operation's handler."""
    kind = getattr(view_func, ACCESS_ATTR, None)
    if kind:
        return kind
    path_view = _ninja_path_view(view_func)
    if path_view is not None:
        if request is None:
            kinds = {getattr(op.view_func, ACCESS_ATTR, None) for op in path_view.operations}
            return kinds.pop() if len(kinds) == 1 else None
        op = path_view._find_operation(request)
        if op is None:
            return PUBLIC  # ninja answers 405 itself; no handler runs
        return getattr(op.view_func, ACCESS_ATTR, None)
    return None


def _ninja_path_view(view_func: Callable):
    from ninja.operation import PathView

    for cell in getattr(view_func, "__closure__", None) or ():
        contents = cell.cell_contents
        if isinstance(contents, PathView):
            return contents
    return None


class ScopeDeclarationMiddleware:
    """Refuse any view that has not declared how it is scoped. New pages are covered automatically."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args, view_kwargs):
        if declared_access(view_func, request) in (SCOPED, PUBLIC):
            return None
        return HttpResponseForbidden(
            _("This page is not available: it does not say which jurisdiction it serves.")
        )
