"""Roster pages: staff, responsibilities, working groups, departments.

Reads go through roster/org selectors with `request.scope`; every change goes through
roster.services (role, scope, audit, one transaction). Out of scope answers 404.
"""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.audit import display as audit_display
from wangge.audit import selectors as audit_selectors
from wangge.audit import services as audit_services
from wangge.audit.models import Action
from wangge.audit.permissions import AUDIT_VIEW
from wangge.core.access import not_found, scoped_view
from wangge.core.forms import add_service_error, htmx_target, paginate, render_page_or_fragment
from wangge.core.masking import mask_phone
from wangge.org import selectors as org_selectors
from wangge.org.models import Level
from wangge.roster import selectors, services
from wangge.roster.forms import (
    AssignForm,
    DepartmentForm,
    GroupForm,
    MemberAddForm,
    StaffFilterForm,
    StaffForm,
)
from wangge.roster.permissions import ROSTER_EDIT, ROSTER_VIEW, ROSTER_VIEW_CONTACT

HISTORY_LIMIT = 20


# --- staff ------------------------------------------------------------------------


@scoped_view(ROSTER_VIEW)
def staff_list(request):
    scope = request.scope
    form = StaffFilterForm(request.GET, scope=scope)
    f = form.filters()
    qs = selectors.search_staff(
        scope,
        q=f["q"],
        under=f["under"],
        kind=f["kind"],
        role=f["role"],
        include_inactive=f["include_inactive"],
    )
    if f["department"] is not None:
        qs = qs.filter(department=f["department"])
    page = paginate(request, selectors.with_current_assignments(scope, qs))
    context = {
        "form": form,
        "page_obj": page,
        "can_edit": request.user.can(ROSTER_EDIT),
        "filtered": any(v for v in f.values()),
    }
    return render_page_or_fragment(
        request, "roster/staff_list.html", "roster/_staff_table.html", "staff-results", context
    )


@scoped_view(ROSTER_VIEW)
def staff_detail(request, staff_id: int):
    scope = request.scope
    staff = selectors.get_staff(scope, staff_id)
    # Opening a person's full record is itself an audited act.
    audit_services.record_view(actor=request.user, obj=staff)
    user = request.user
    show_contact = user.can(ROSTER_VIEW_CONTACT)
    today = timezone.localdate()
    assignments = list(selectors.assignments_of(scope, staff))
    current = [a for a in assignments if a.is_current(today)]
    upcoming = [a for a in assignments if a.start_date > today]
    past = [a for a in assignments if a.end_date is not None and a.end_date < today]
    history = audit_selectors.history_of(scope, staff)
    can_audit = user.can(AUDIT_VIEW)
    if not can_audit:
        history = history.exclude(action=Action.VIEW)
    history = list(history[:HISTORY_LIMIT])
    homed_here = scope.covers_path(staff.path)
    can_edit = user.can(ROSTER_EDIT)
    context = {
        "staff": staff,
        "phone": staff.phone if show_contact else mask_phone(staff.phone),
        "show_contact": show_contact,
        "current": current,
        "upcoming": upcoming,
        "past": past,
        "memberships": list(selectors.memberships_of(scope, staff)),
        "history": audit_display.rows(scope, history, viewer=user, limit=6),
        "can_audit": can_audit,
        "can_edit_record": can_edit and homed_here,
        "can_assign": can_edit and staff.is_active,
        "can_edit": can_edit,
        "homed_here": homed_here,
        "assign_form": AssignForm(scope=scope) if can_edit and staff.is_active else None,
        "home_crumbs": org_selectors.visible_ancestors(scope, staff.unit) if homed_here else [],
    }
    return render(request, "roster/staff_detail.html", context)


@scoped_view(ROSTER_EDIT)
def staff_create(request):
    scope = request.scope
    if request.method == "POST":
        form = StaffForm(request.POST, scope=scope)
        if form.is_valid():
            data = form.cleaned_data
            try:
                staff = services.create_staff(actor=request.user, unit=data["unit"], **form.changes())
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("%(name)s was added to the roster.") % {"name": staff.name})
                return redirect("roster:staff_detail", staff_id=staff.pk)
    else:
        # Preselect the unit the page was opened from (?unit=), else the actor's own root.
        initial = {"unit": scope.root.pk if scope.root is not None else None}
        unit_id = request.GET.get("unit", "")
        if unit_id.isdigit():
            initial["unit"] = (
                org_selectors.units(scope).filter(pk=unit_id).values_list("pk", flat=True).first()
            )
        form = StaffForm(scope=scope, initial=initial)
    return render(request, "roster/staff_form.html", {"form": form, "staff": None})


def _editable_staff(request, staff_id):
    """A roster entry the actor may edit: homed inside the scope (404 otherwise, like the service)."""
    staff = selectors.get_staff(request.scope, staff_id)
    if not request.scope.covers_path(staff.path):
        raise not_found()
    return staff


@scoped_view(ROSTER_EDIT)
def staff_edit(request, staff_id: int):
    scope = request.scope
    staff = _editable_staff(request, staff_id)
    show_contact = request.user.can(ROSTER_VIEW_CONTACT)
    if request.method == "POST":
        form = StaffForm(request.POST, scope=scope, staff=staff, show_contact=show_contact)
        if form.is_valid():
            before = audit_services.snapshot(staff)
            try:
                updated = services.update_staff(
                    actor=request.user, staff=staff, unit=form.cleaned_data["unit"], **form.changes()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                if audit_services.snapshot(updated) == before:
                    messages.info(request, _("Nothing was changed."))
                else:
                    messages.success(request, _("The record of %(name)s was saved.") % {"name": updated.name})
                return redirect("roster:staff_detail", staff_id=staff.pk)
    else:
        form = StaffForm(scope=scope, staff=staff, show_contact=show_contact)
    return render(request, "roster/staff_form.html", {"form": form, "staff": staff})


def _set_active(request, staff_id: int, active: bool):
    staff = _editable_staff(request, staff_id)
    try:
        services.update_staff(actor=request.user, staff=staff, is_active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("%(name)s is active on the roster again.") % {"name": staff.name})
        else:
            messages.success(request, _("%(name)s was marked inactive.") % {"name": staff.name})
    return redirect("roster:staff_detail", staff_id=staff.pk)


@scoped_view(ROSTER_EDIT)
@require_POST
def staff_deactivate(request, staff_id: int):
    return _set_active(request, staff_id, False)


@scoped_view(ROSTER_EDIT)
@require_POST
def staff_reactivate(request, staff_id: int):
    return _set_active(request, staff_id, True)


@scoped_view(ROSTER_EDIT)
def assign(request, staff_id: int):
    scope = request.scope
    staff = selectors.get_staff(scope, staff_id)
    if request.method == "POST":
        form = AssignForm(request.POST, scope=scope)
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = services.assign(
                    actor=request.user,
                    staff=staff,
                    unit=data["unit"],
                    role=data["role"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    note=data["note"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s is now %(role)s of %(unit)s.")
                    % {
                        "name": staff.name,
                        "role": assignment.get_role_display(),
                        "unit": assignment.unit.name,
                    },
                )
                return redirect("roster:staff_detail", staff_id=staff.pk)
    else:
        initial = {}
        unit_id = request.GET.get("unit", "")
        if unit_id.isdigit():
            initial["unit"] = (
                org_selectors.units(scope).filter(pk=unit_id).values_list("pk", flat=True).first()
            )
        form = AssignForm(scope=scope, initial=initial)
    return render(request, "roster/assign_form.html", {"form": form, "staff": staff})


# --- working groups -------------------------------------------------------------


@scoped_view(ROSTER_VIEW)
def group_list(request):
    scope = request.scope
    offices = OrderedDict(
        (office.pk, {"office": office, "groups": []})
        for office in org_selectors.units(scope).filter(level=Level.OFFICE).order_by("path")
    )
    for group in selectors.working_groups_with_counts(scope):
        entry = offices.setdefault(group.office_id, {"office": group.office, "groups": []})
        entry["groups"].append(group)
    context = {"offices": list(offices.values()), "can_edit": request.user.can(ROSTER_EDIT)}
    return render(request, "roster/group_list.html", context)


@scoped_view(ROSTER_VIEW)
def group_detail(request, group_id: int):
    scope = request.scope
    group = selectors.get_working_group(scope, group_id)
    can_edit = request.user.can(ROSTER_EDIT)
    q = (request.GET.get("q") or "").strip()[:50]
    candidates = selectors.group_candidates(scope, group, q) if can_edit and q else []
    context = {"group": group, "q": q, "candidates": candidates, "can_edit": can_edit}
    if htmx_target(request) == "group-candidates":
        response = render(request, "roster/_group_candidates.html", context)
    else:
        context["members"] = list(selectors.group_members(group))
        response = render(request, "roster/group_detail.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@scoped_view(ROSTER_EDIT)
def group_create(request):
    scope = request.scope
    if request.method == "POST":
        form = GroupForm(request.POST, scope=scope)
        if form.is_valid():
            data = form.cleaned_data
            try:
                group = services.create_working_group(
                    actor=request.user,
                    office=data["office"],
                    name=data["name"],
                    line_of_work=data["line_of_work"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The working group %(name)s was created.") % {"name": group.name})
                return redirect("roster:group_detail", group_id=group.pk)
    else:
        initial = {}
        office_id = request.GET.get("office", "")
        if office_id.isdigit():
            initial["office"] = office_id
        form = GroupForm(scope=scope, initial=initial)
    return render(request, "roster/group_form.html", {"form": form})


@scoped_view(ROSTER_EDIT)
@require_POST
def group_member_add(request, group_id: int):
    scope = request.scope
    group = selectors.get_working_group(scope, group_id)
    form = MemberAddForm(request.POST, scope=scope)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        staff = form.cleaned_data["staff"]
        try:
            services.add_group_member(
                actor=request.user, group=group, staff=staff, is_lead=form.cleaned_data["is_lead"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(name)s joined %(group)s.") % {"name": staff.name, "group": group.name}
            )
    return redirect("roster:group_detail", group_id=group.pk)


@scoped_view(ROSTER_EDIT)
@require_POST
def group_member_remove(request, group_id: int, member_id: int):
    group = selectors.get_working_group(request.scope, group_id)
    member = selectors.get_group_member(group, member_id)
    name = member.staff.name
    services.remove_group_member(actor=request.user, member=member)
    messages.success(request, _("%(name)s left %(group)s.") % {"name": name, "group": group.name})
    return redirect("roster:group_detail", group_id=group.pk)


@scoped_view(ROSTER_EDIT)
@require_POST
def group_member_lead(request, group_id: int, member_id: int):
    """Make a member the group's lead; the previous lead stays a member."""
    group = selectors.get_working_group(request.scope, group_id)
    member = selectors.get_group_member(group, member_id)
    services.set_group_lead(actor=request.user, member=member)
    messages.success(
        request, _("%(name)s now leads %(group)s.") % {"name": member.staff.name, "group": group.name}
    )
    return redirect("roster:group_detail", group_id=group.pk)


# --- departments ------------------------------------------------------------------


@scoped_view(ROSTER_VIEW)
def department_list(request):
    departments = list(selectors.departments_with_counts(request.scope))
    context = {"departments": departments, "can_edit": request.user.can(ROSTER_EDIT)}
    return render(request, "roster/department_list.html", context)


@scoped_view(ROSTER_EDIT)
def department_create(request):
    scope = request.scope
    if request.method == "POST":
        form = DepartmentForm(request.POST, scope=scope)
        if form.is_valid():
            data = form.cleaned_data
            try:
                department = services.create_department(
                    actor=request.user, unit=data["unit"], kind=data["kind"], name=data["name"]
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request, _("The department %(name)s was created.") % {"name": department.name}
                )
                return redirect("roster:department_list")
    else:
        form = DepartmentForm(scope=scope)
    return render(request, "roster/department_form.html", {"form": form})
