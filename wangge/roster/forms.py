"""Forms of the roster pages. Every choice of another record comes from a scoped selector,
so an id from outside the actor's subtree is simply not a valid choice."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core.access import Scope
from wangge.core.forms import DateInput
from wangge.org import selectors as org_selectors
from wangge.org.models import Level, OrgUnit
from wangge.roster import selectors
from wangge.roster.models import AssignmentRole, DepartmentKind, Gender, StaffKind, StaffMember

# Above this many units in scope, the filter's unit list leaves out level-3 grids
# (they remain reachable with ?unit= from the tree).
UNIT_FILTER_LIMIT = 300


def unit_label(unit: OrgUnit, root_depth: int) -> str:
    indent = "\u00a0\u00a0" * max(unit.depth - root_depth, 0)
    return f"{indent}{unit.name}"


class UnitChoiceField(forms.ModelChoiceField):
    """Units of the scope, indented by depth below the actor's root."""

    def __init__(self, *args, root_depth: int = 0, **kwargs):
        self.root_depth = root_depth
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: OrgUnit) -> str:
        return unit_label(obj, self.root_depth)


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.unit.name} · {obj.name}"


def _root_depth(scope: Scope) -> int:
    return scope.root.depth if scope.root is not None else 0


# --- staff list filters -----------------------------------------------------------


class ScopedUnitField(forms.CharField):
    """A unit id typed or chosen; resolved through the scope (foreign or missing → invalid)."""

    def __init__(self, *, scope: Scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return org_selectors.get_unit(self.scope, value)
        except Http404 as exc:
            raise ValidationError(_("Choose a unit from the list."), code="invalid_choice") from exc


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, phone tail or title")}),
    )
    unit = forms.CharField(label=_("Unit"), required=False)
    department = forms.ModelChoiceField(label=_("Department"), required=False, queryset=None)
    kind = forms.ChoiceField(
        label=pgettext_lazy("staff", "Kind"),
        required=False,
        choices=[("", _("All kinds")), *StaffKind.choices],
    )
    role = forms.ChoiceField(
        label=_("Current role"), required=False, choices=[("", _("Any role")), *AssignmentRole.choices]
    )
    inactive = forms.BooleanField(label=_("Include inactive"), required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        units = org_selectors.units(scope).only("id", "name", "depth", "path", "level")
        if units.count() > UNIT_FILTER_LIMIT:
            units = units.exclude(level=Level.GRID)
        depth = _root_depth(scope)
        choices = [("", _("All units"))] + [(str(u.pk), unit_label(u, depth)) for u in units.order_by("path")]
        selected = (self.data.get("unit") or "").strip()
        if selected and selected not in {c[0] for c in choices}:
            unit = org_selectors.units(scope).filter(pk=selected).first() if selected.isdigit() else None
            if unit is not None:
                choices.append((str(unit.pk), unit.name))
        self.fields["unit"] = ScopedUnitField(
            scope=scope, label=_("Unit"), required=False, widget=forms.Select(choices=choices)
        )
        self.fields["department"].queryset = selectors.departments(scope)
        self.fields["department"].empty_label = _("All departments")

    def filters(self) -> dict:
        """The valid part of the filters; an invalid field is reported and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q") or "",
            "under": data.get("unit"),
            "department": data.get("department"),
            "kind": data.get("kind") or "",
            "role": data.get("role") or "",
            "include_inactive": bool(data.get("inactive")),
        }


# --- staff record -------------------------------------------------------------


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    unit = UnitChoiceField(label=_("Home unit"), queryset=None)
    kind = forms.ChoiceField(
        label=pgettext_lazy("staff", "Kind"), choices=StaffKind.choices, initial=StaffKind.OTHER
    )
    title = forms.CharField(label=_("Title / post"), max_length=100, required=False)
    department = DepartmentChoiceField(label=_("Department"), queryset=None, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = ("name", "gender", "phone", "kind", "title", "is_party_member", "note")

    def __init__(
        self, *args, scope: Scope, staff: StaffMember | None = None, show_contact: bool = True, **kwargs
    ):
        if staff is not None and "initial" not in kwargs:
            kwargs["initial"] = {f: getattr(staff, f) for f in self.FIELDS} | {
                "unit": staff.unit_id,
                "department": staff.department_id,
            }
        super().__init__(*args, **kwargs)
        self.staff = staff
        self.fields["unit"].queryset = org_selectors.units(scope).order_by("path")
        self.fields["unit"].root_depth = _root_depth(scope)
        departments = selectors.departments_available(scope)
        self.fields["department"].queryset = departments
        self.kept_department = None
        if (
            staff is not None
            and staff.department_id
            and not departments.filter(pk=staff.department_id).exists()
        ):
            # Set by someone above this jurisdiction: shown, kept, not editable here.
            self.kept_department = staff.department
            del self.fields["department"]
        self.phone_hidden = staff is not None and not show_contact
        if self.phone_hidden:
            # Whoever may not see the full number may not overwrite it blindly either.
            del self.fields["phone"]

    def changes(self) -> dict:
        data = self.cleaned_data
        out = {f: data[f] for f in self.FIELDS if f in self.fields}
        if "department" in self.fields:
            out["department"] = data.get("department")
        return out


class AssignForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=None)
    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------"), *AssignmentRole.choices])
    start_date = forms.DateField(label=_("From"), widget=DateInput())
    end_date = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = org_selectors.units(scope).order_by("path")
        self.fields["unit"].root_depth = _root_depth(scope)


# --- working groups and departments --------------------------------------------


class GroupForm(forms.Form):
    office = UnitChoiceField(label=_("Office"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=100)
    line_of_work = forms.CharField(label=_("Line of work"), max_length=200, required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = (
            org_selectors.units(scope).filter(level=Level.OFFICE).order_by("path")
        )
        self.fields["office"].root_depth = _root_depth(scope) + 1


class MemberAddForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Person"), queryset=None, widget=forms.HiddenInput)
    is_lead = forms.BooleanField(label=_("Group lead"), required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = selectors.staff_homed_in(scope)
        self.fields["staff"].error_messages["invalid_choice"] = _("Choose a person on your roster.")


class DepartmentForm(forms.Form):
    unit = UnitChoiceField(label=_("Office"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=DepartmentKind.choices)
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False, help_text=_("Leave empty to use the kind's name.")
    )

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        qs = org_selectors.units(scope).filter(level__in=[Level.DISTRICT, Level.OFFICE]).order_by("path")
        self.fields["unit"].queryset = qs
        self.fields["unit"].root_depth = _root_depth(scope)
