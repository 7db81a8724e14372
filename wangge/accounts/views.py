from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from wangge.accounts import selectors, services
from wangge.accounts.forms import AccountForm, RoleForm, TokenForm
from wangge.accounts.permissions import ACCOUNTS_MANAGE, ROLES_MANAGE
from wangge.core.access import Scope, public_view, scoped_view
from wangge.core.forms import add_service_error, paginate, post_data
from wangge.core.permissions import catalogue
from wangge.org import selectors as org_selectors

NEW_TOKEN_SESSION_KEY = "wangge_new_token"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


login = public_view(LoginView.as_view())
logout = public_view(auth_views.LogoutView.as_view())


# --- API tokens -----------------------------------------------------------------


@scoped_view()
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request):
    """The actor's own API tokens. A new key is shown once, on the page after it was made."""
    form = TokenForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        token, raw = services.issue_token(actor=request.user, name=form.cleaned_data["name"])
        # Carried to the next page in the server-side session and dropped as soon as it is shown.
        request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "key": raw}
        messages.success(request, _("Token %(name)s was created.") % {"name": token.name})
        return redirect("accounts:tokens")
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    context = {
        "form": form,
        "page": paginate(request, selectors.tokens(request.user)),
        "new_token": new_token,
    }
    return render(request, "accounts/tokens.html", context)


@scoped_view()
@require_http_methods(["GET", "POST"])
def token_revoke(request, token_id):
    token = selectors.get_token(request.user, token_id)
    if request.method == "POST":
        services.revoke_token(actor=request.user, token=token)
        messages.success(request, _("Token %(name)s was revoked; it no longer works.") % {"name": token.name})
        return redirect("accounts:tokens")
    return render(request, "accounts/token_revoke.html", {"token": token})


# --- accounts ---------------------------------------------------------------------


def _unit_choices(scope: Scope) -> list[tuple[int, str]]:
    """Every open unit in the actor's jurisdiction, indented by depth, in tree order."""
    if scope.is_empty:
        return []
    units = org_selectors.units(scope).only("id", "name", "code", "depth", "path").order_by("path")
    return [(u.pk, "\u3000" * (u.depth - scope.root.depth) + f"{u.name} ({u.code})") for u in units]


@scoped_view(ACCOUNTS_MANAGE)
@require_GET
def user_list(request):
    q = (request.GET.get("q") or "").strip()
    qs = services.accounts(request.user).select_related("jurisdiction").prefetch_related("roles")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    page = paginate(request, qs.order_by("username", "id"))
    return render(request, "accounts/user_list.html", {"page": page, "q": q})


@scoped_view(ACCOUNTS_MANAGE)
@require_http_methods(["GET", "POST"])
def user_create(request):
    scope = request.scope
    if scope.is_empty:
        return render(request, "org/no_jurisdiction.html")
    form = AccountForm(post_data(request), actor=request.user, unit_choices=_unit_choices(scope))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        jurisdiction = org_selectors.get_unit(scope, data["jurisdiction"])
        try:
            account = services.create_account(
                actor=request.user,
                username=data["username"],
                password=data["password1"],
                jurisdiction=jurisdiction,
                roles=list(data["roles"]),
                display_name=data["display_name"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Account %(name)s was created.") % {"name": account.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "account": None})


@scoped_view(ACCOUNTS_MANAGE)
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id):
    scope = request.scope
    account = selectors.get_account(request.user, user_id)
    initial = {
        "display_name": account.display_name,
        "jurisdiction": account.jurisdiction_id,
        "roles": list(account.roles.all()),
        "is_active": account.is_active,
    }
    form = AccountForm(
        post_data(request),
        initial=initial,
        actor=request.user,
        unit_choices=_unit_choices(scope),
        editing=account,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {"display_name": data["display_name"]}
        if data["jurisdiction"] != account.jurisdiction_id:
            changes["jurisdiction"] = org_selectors.get_unit(scope, data["jurisdiction"])
        if "roles" in form.fields and set(data["roles"]) != set(initial["roles"]):
            changes["roles"] = list(data["roles"])
        if "is_active" in form.fields and data["is_active"] != account.is_active:
            changes["is_active"] = data["is_active"]
        if data["password1"]:
            changes["password"] = data["password1"]
        try:
            services.update_account(actor=request.user, user=account, **changes)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Account %(name)s was saved.") % {"name": account.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "account": account})


# --- roles ------------------------------------------------------------------------


@scoped_view(ACCOUNTS_MANAGE)
@require_GET
def role_list(request):
    """The roles and what each allows; those at district level with the right may define them."""
    roles = [
        {"role": r, "permissions": [catalogue()[p] for p in r.clean_permissions()]} for r in selectors.roles()
    ]
    can_edit = (
        request.user.can(ROLES_MANAGE) and not request.scope.is_empty and request.scope.root.parent_id is None
    )
    return render(request, "accounts/role_list.html", {"roles": roles, "can_edit": can_edit})


@scoped_view(ROLES_MANAGE)
@require_http_methods(["GET", "POST"])
def role_create(request):
    return _role_form(request, None)


@scoped_view(ROLES_MANAGE)
@require_http_methods(["GET", "POST"])
def role_edit(request, role_id):
    services.require_roles_admin(request.user)  # before the lookup: the same answer for any id
    return _role_form(request, selectors.get_role(role_id))


def _role_form(request, role):
    services.require_roles_admin(request.user)
    initial = (
        {
            "code": role.code,
            "name": role.name,
            "description": role.description,
            "permissions": role.permissions,
        }
        if role
        else None
    )
    form = RoleForm(post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_role(actor=request.user, role=role, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Role %(name)s was saved.") % {"name": saved.name})
            return redirect("accounts:role_list")
    return render(request, "accounts/role_form.html", {"form": form, "role": role})
