"""Pages for the tree of units: browse, edit, move, close, and who answers for each unit.

They live with the roster because every one of them shows who is responsible; the tree
itself (models, services, reads) is `wangge.org`, below the roster. URL names stay `org:`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.audit import selectors as audit_selectors
from wangge.audit.permissions import AUDIT_VIEW
from wangge.core.access import Scope, has_permission, scoped_view
from wangge.core.forms import add_service_error, paginate, post_data
from wangge.org import selectors, services
from wangge.org.models import Level, OrgUnit
from wangge.org.permissions import ORG_EDIT, ORG_VIEW
from wangge.roster import selectors as roster_selectors
from wangge.roster import services as roster_services
from wangge.roster.forms_tree import (
    AssignForm,
    EndAssignmentForm,
    UnitCloseForm,
    UnitCreateForm,
    UnitEditForm,
    UnitMoveForm,
    child_levels,
)
from wangge.roster.permissions import ROSTER_EDIT, ROSTER_VIEW
from wangge.roster.selectors import TreeNode

TREE_NODE_BUDGET = 150
TREE_DEPTH = 2  # levels below the actor's root rendered at once; deeper ones load on demand
STAFF_CHOICES_LIMIT = 200
HISTORY_SHOWN = 20


# --- helpers ------------------------------------------------------------------


def _show_closed(request) -> bool:
    return request.GET.get("closed") == "1"


def _attach_closed(scope: Scope, root: TreeNode, max_depth: int) -> None:
    """Add the closed units down to max_depth under the root to a summary tree (one query).

    A closed unit has no open units under it, so its counts are all zero anyway."""
    nodes: dict[int, TreeNode] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        nodes[node.unit.pk] = node
        stack.extend(node.children)
    closed = (
        selectors.units(scope, include_closed=True)
        .under(root.unit, include_self=False)
        .filter(closed_at__isnull=False, depth__lte=root.unit.depth + max_depth)
        .order_by("depth", "sort_order", "code")
    )
    for unit in closed:
        parent = nodes.get(unit.parent_id)
        if parent is not None:
            nodes[unit.pk] = node = TreeNode(unit=unit)
            parent.children.append(node)


def _mark(node: TreeNode, depth_left: int, show_closed: bool) -> None:
    """Tell the template which nodes have their children loaded and which can be expanded."""
    node.loaded = depth_left > 0
    node.expandable = node.unit.level != Level.GRID and (
        bool(node.children) or sum(node.counts.values()) > 0 or show_closed
    )
    for child in node.children:
        _mark(child, depth_left - 1, show_closed)


def _summary(scope: Scope, unit: OrgUnit, depth: int, show_closed: bool) -> TreeNode:
    node = roster_selectors.tree_summary(scope, unit, max_depth=depth)
    if show_closed:
        _attach_closed(scope, node, depth)
    _mark(node, depth, show_closed)
    return node


def _no_jurisdiction(request):
    return render(request, "org/no_jurisdiction.html")


def _unit_choice_label(scope: Scope, unit: OrgUnit) -> str:
    where = selectors.visible_location(scope, unit)
    label = f"{unit.name} ({unit.code})"
    return f"{label} · {where[0]}" if where else label


# --- browsing -----------------------------------------------------------------


@scoped_view(ORG_VIEW)
@require_GET
def tree(request):
    scope = request.scope
    if scope.is_empty:
        return _no_jurisdiction(request)
    show_closed = _show_closed(request)
    # Open two levels at once unless that would draw a very large page; deeper levels load on demand.
    within = selectors.units(scope).under(scope.root).filter(depth__lte=scope.root.depth + TREE_DEPTH).count()
    depth = TREE_DEPTH if within <= TREE_NODE_BUDGET else 1
    root = _summary(scope, scope.root, depth, show_closed)
    return render(request, "org/tree.html", {"root_nodes": [root], "show_closed": show_closed})


@scoped_view(ORG_VIEW)
@require_GET
def children(request, unit_id):
    """The children of one unit as tree items, for htmx to expand a branch."""
    unit = selectors.get_unit(request.scope, unit_id)
    show_closed = _show_closed(request)
    node = _summary(request.scope, unit, 1, show_closed)
    return render(request, "org/_tree_children.html", {"nodes": node.children, "show_closed": show_closed})


@scoped_view(ORG_VIEW)
@require_GET
def unit_detail(request, unit_id):
    scope = request.scope
    user = request.user
    unit = selectors.get_unit(scope, unit_id)
    show_closed = _show_closed(request)
    node = _summary(scope, unit, 1, show_closed)
    today = timezone.localdate()
    other_assignments = (
        roster_selectors.assignments(scope)
        .filter(unit=unit)
        .filter(Q(end_date__lt=today) | Q(start_date__gt=today))
        .order_by("-start_date", "-id")
    )
    context = {
        "unit": unit,
        "node": node,
        "ancestors": selectors.visible_ancestors(scope, unit),
        "show_closed": show_closed,
        "is_root": unit.pk == scope.root.pk,
        "can_edit": has_permission(user, ORG_EDIT),
        "can_assign": has_permission(user, ROSTER_EDIT),
        "can_roster": has_permission(user, ROSTER_VIEW),
        "can_add_child": bool(child_levels(unit)) and unit.closed_at is None,
        "current": list(roster_selectors.responsible_for(unit, on=today)),
        "other_page": paginate(request, other_assignments, "past"),
        "today": today,
    }
    if has_permission(user, ROSTER_VIEW):
        homed = (
            roster_selectors.staff(scope)
            .filter(unit=unit)
            .select_related("department")
            .order_by("name", "id")
        )
        context["staff_page"] = paginate(request, homed, "staff")
    if has_permission(user, AUDIT_VIEW):
        context["history"] = list(audit_selectors.history_of(scope, unit)[:HISTORY_SHOWN])
    return render(request, "org/unit_detail.html", context)


@scoped_view(ORG_VIEW)
@require_GET
def leaderless(request):
    """Every open grid without a current grid leader, optionally under one unit."""
    scope = request.scope
    if scope.is_empty:
        return _no_jurisdiction(request)
    under_id = request.GET.get("under") or None
    under = selectors.get_unit(scope, under_id) if under_id else None
    grids = roster_selectors.grids_without_leader(scope, under=under).select_related(
        "parent", "parent__parent"
    )
    page = paginate(request, grids)
    areas = selectors.units(scope).filter(level__lt=Level.WORKSTATION).order_by("path")
    context = {
        "under": under,
        "page": page,
        "rows": [(grid, selectors.visible_location(scope, grid)) for grid in page],
        "area_choices": [(u.pk, "\u3000" * (u.depth - scope.root.depth) + u.name) for u in areas],
    }
    return render(request, "org/leaderless.html", context)


# --- changes to the tree ------------------------------------------------------


@scoped_view(ORG_EDIT)
@require_http_methods(["GET", "POST"])
def unit_create(request, unit_id):
    parent = selectors.get_unit(request.scope, unit_id)
    form = UnitCreateForm(post_data(request), parent=parent)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.create_unit(
                actor=request.user,
                parent=parent,
                level=data["level"],
                name=data["name"],
                code=data["code"],
                note=data["note"],
                sort_order=data["sort_order"] or 0,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": unit.name})
            return redirect("org:unit_detail", unit_id=unit.pk)
    return render(
        request, "org/unit_create.html", {"parent": parent, "form": form, "levels": child_levels(parent)}
    )


@scoped_view(ORG_EDIT)
@require_http_methods(["GET", "POST"])
def unit_edit(request, unit_id):
    unit = selectors.get_unit(request.scope, unit_id)
    initial = {"name": unit.name, "code": unit.code, "note": unit.note, "sort_order": unit.sort_order}
    form = UnitEditForm(post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_unit(
                actor=request.user,
                unit=unit,
                name=data["name"],
                code=data["code"],
                note=data["note"],
                sort_order=data["sort_order"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("org:unit_detail", unit_id=unit.pk)
    return render(request, "org/unit_edit.html", {"unit": unit, "form": form})


@scoped_view(ORG_EDIT)
@require_http_methods(["GET", "POST"])
def unit_move(request, unit_id):
    scope = request.scope
    unit = selectors.get_unit(scope, unit_id)
    candidates = selectors.move_targets(scope, unit)
    choices = [(c.pk, _unit_choice_label(scope, c)) for c in candidates]
    form = UnitMoveForm(post_data(request), candidates=choices)
    if request.method == "POST" and form.is_valid():
        new_parent = selectors.get_unit(scope, form.cleaned_data["new_parent"])
        try:
            services.move_unit(actor=request.user, unit=unit, new_parent=new_parent)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s now sits under %(parent)s.") % {"name": unit.name, "parent": new_parent.name},
            )
            return redirect("org:unit_detail", unit_id=unit.pk)
    context = {
        "unit": unit,
        "form": form,
        "is_root": unit.pk == scope.root.pk,
        "current_parent": unit.parent if unit.parent_id and scope.covers(unit.parent) else None,
    }
    return render(request, "org/unit_move.html", context)


@scoped_view(ORG_EDIT)
@require_http_methods(["GET", "POST"])
def unit_close(request, unit_id):
    unit = selectors.get_unit(request.scope, unit_id)
    form = UnitCloseForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.close_unit(actor=request.user, unit=unit, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s was closed.") % {"name": unit.name})
            return redirect("org:unit_detail", unit_id=unit.pk)
    context = {"unit": unit, "form": form, "open_children": selectors.children(request.scope, unit).count()}
    return render(request, "org/unit_close.html", context)


@scoped_view(ORG_EDIT)
@require_http_methods(["GET", "POST"])
def unit_reopen(request, unit_id):
    unit = selectors.get_unit(request.scope, unit_id)
    error = None
    if request.method == "POST":
        try:
            services.reopen_unit(actor=request.user, unit=unit)
        except ValidationError as exc:
            error = exc.messages
        else:
            messages.success(request, _("%(name)s was reopened.") % {"name": unit.name})
            return redirect("org:unit_detail", unit_id=unit.pk)
    return render(request, "org/unit_reopen.html", {"unit": unit, "errors": error})


# --- responsibilities ---------------------------------------------------------


def _staff_choices(scope: Scope, unit: OrgUnit, q: str) -> tuple[list[tuple[int, str]], bool]:
    """Roster entries to pick from: a search over the whole scope, or by default the people
    around this unit (homed in it, in its parent's subtree or above it, or already responsible there)."""
    qs = roster_selectors.search_staff(scope, q=q)
    if not q:
        around = unit.parent if unit.parent_id and scope.covers(unit.parent) else unit
        above = [a.path for a in selectors.visible_ancestors(scope, unit)]
        qs = roster_selectors.staff_around(scope, qs, around=around, above_paths=above)
    staff = list(qs[: STAFF_CHOICES_LIMIT + 1])
    more = len(staff) > STAFF_CHOICES_LIMIT
    return [(s.pk, _staff_label(scope, s)) for s in staff[:STAFF_CHOICES_LIMIT]], more


def _staff_label(scope: Scope, staff) -> str:
    parts = [staff.name, str(staff.get_kind_display())]
    if staff.title:
        parts.append(staff.title)
    if scope.covers(staff.unit):  # someone homed outside but responsible inside: no foreign unit name
        parts.append(staff.unit.name)
    return " · ".join(parts)


@scoped_view(ROSTER_EDIT)
@require_http_methods(["GET", "POST"])
def assign(request, unit_id):
    scope = request.scope
    unit = selectors.get_unit(scope, unit_id)
    q = (request.GET.get("q") or "").strip()
    choices, more = _staff_choices(scope, unit, q)
    form = AssignForm(post_data(request), unit=unit, staff_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        staff = roster_selectors.get_staff(scope, data["staff"])
        try:
            roster_services.assign(
                actor=request.user,
                staff=staff,
                unit=unit,
                role=data["role"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            if staff.pk not in {pk for pk, _label in choices}:
                form.fields["staff"].widget.choices.insert(1, (staff.pk, _staff_label(scope, staff)))
        else:
            messages.success(
                request,
                _("%(name)s is now responsible for %(unit)s.") % {"name": staff.name, "unit": unit.name},
            )
            return redirect("org:unit_detail", unit_id=unit.pk)
    context = {"unit": unit, "form": form, "q": q, "more": more, "limit": STAFF_CHOICES_LIMIT}
    return render(request, "org/assign.html", context)


@scoped_view(ROSTER_EDIT)
@require_http_methods(["GET", "POST"])
def assignment_end(request, assignment_id):
    assignment = roster_selectors.get_assignment(request.scope, assignment_id)
    form = EndAssignmentForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            roster_services.end_assignment(
                actor=request.user, assignment=assignment, end_date=form.cleaned_data["end_date"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The responsibility of %(name)s has ended.") % {"name": assignment.staff.name}
            )
            next_url = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect("org:unit_detail", unit_id=assignment.unit_id)
    return render(request, "org/assignment_end.html", {"assignment": assignment, "form": form})


# --- the home page's panel ----------------------------------------------------------------

HOME_GAPS_SHOWN = 50


def home_summary(request) -> dict | None:
    """The jurisdiction at a glance: counts, the units under it, who answers for it, the gaps.
    Not for a role without the tree (a lab: its home is its items), nor for a single grid,
    whose leader's home is the grid's work, not five counts of units it does not have."""
    scope = request.scope
    if not has_permission(request.user, ORG_VIEW) or scope.root.level >= Level.GRID:
        return None
    root = scope.root
    summary = roster_selectors.tree_summary(scope, root, max_depth=1)
    grids = roster_selectors.grids_without_leader(scope).select_related("parent", "parent__parent")
    gaps = [(grid, selectors.visible_location(scope, grid)) for grid in grids[:HOME_GAPS_SHOWN]]
    return {
        "root": root,
        "summary": summary,
        "offices": summary.counts[Level.OFFICE],
        "show_offices": root.level == Level.DISTRICT or summary.counts[Level.OFFICE] > 0,
        "areas": summary.counts[Level.MANAGEMENT_AREA],
        "show_villages": any(child.villages for child in summary.children),
        "show_workstations": any(child.workstations for child in summary.children),
        "responsible": list(roster_selectors.responsible_for(root)),
        "gaps": gaps,
        "gaps_more": summary.leaderless_grids > len(gaps),
    }
