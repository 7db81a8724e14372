"""Forms of rounds, people due, sites and the configurable lists. Choices always come from
the actor's scope; the services check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.org.models import Level, OrgUnit
from wangge.registry.models import Building
from wangge.testing.models import (
    POOL_SIZE_CHOICES,
    ChecklistItem,
    ChecklistKind,
    DueStatus,
    ExemptReason,
    Round,
    RoundKind,
    RoundStatus,
)

AREA_ROWS = 6


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        depth = max(0, obj.path.count("/") - 2)
        return "\u3000" * depth + obj.name


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.name


def units_in_scope(scope, *, under: str | None = None, max_level: int | None = None):
    if scope.is_empty:
        return OrgUnit.objects.none()
    qs = scope.filter(OrgUnit.objects.filter(closed_at__isnull=True))
    if under:
        qs = qs.filter(path__startswith=under)
    if max_level is not None:
        qs = qs.filter(level__lte=max_level)
    return qs.order_by("path")


def owner_choices(scope):
    """Units in scope at office level or above, plus the actor's own unit."""
    from django.db.models import Q

    if scope.is_empty:
        return OrgUnit.objects.none()
    qs = scope.filter(OrgUnit.objects.filter(closed_at__isnull=True))
    return qs.filter(Q(level__lte=Level.OFFICE) | Q(pk=scope.root.pk)).order_by("path")


def _pool_choices(blank_label=None):
    choices = [(str(n), label) for n, label in POOL_SIZE_CHOICES]
    if blank_label is not None:
        choices = [("", blank_label), *choices]
    return choices


class RoundSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeLocalInput())
    default_pool_size = forms.TypedChoiceField(
        label=_("Default pool size"), choices=_pool_choices(), coerce=int, initial="10"
    )
    rate_per_table_hour = forms.IntegerField(
        label=_("Expected swabs per table per hour"), min_value=1, max_value=1000, initial=60
    )
    queue_target = forms.IntegerField(
        label=_("Longest queue per table (people)"), min_value=0, max_value=1000, initial=20
    )
    window_minutes = forms.IntegerField(
        label=_("Calling window (minutes)"), min_value=5, max_value=480, initial=30
    )
    box_limit_hours = forms.IntegerField(
        label=_("Hours allowed from site to lab"), min_value=1, max_value=48, initial=4
    )

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must come after the start."))
        return data


class RoundForm(RoundSettingsForm):
    """A new round: its settings, organising unit and areas (each with its own pool size)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=RoundKind.choices, initial=RoundKind.MASS)
    owner = UnitChoiceField(label=_("Organised by"), queryset=OrgUnit.objects.none())

    field_order = ["name", "kind", "owner", "starts_at", "ends_at", "default_pool_size"]

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["owner"].queryset = owner_choices(scope)
        if not scope.is_empty and "owner" not in self.initial:
            self.initial["owner"] = scope.root.pk
        area_units = units_in_scope(scope)
        for i in range(AREA_ROWS):
            self.fields[f"area_{i}"] = UnitChoiceField(
                label=_("Area %(n)d") % {"n": i + 1}, queryset=area_units, required=False
            )
            self.fields[f"pool_{i}"] = forms.TypedChoiceField(
                label=_("Pool size of area %(n)d") % {"n": i + 1},
                choices=_pool_choices(_("Round default")),
                coerce=int,
                empty_value=None,
                required=False,
            )

    def area_rows(self):
        return [(self[f"area_{i}"], self[f"pool_{i}"]) for i in range(AREA_ROWS)]

    def areas(self) -> list[tuple[OrgUnit, int | None]]:
        out, seen = [], set()
        for i in range(AREA_ROWS):
            unit = self.cleaned_data.get(f"area_{i}")
            if unit is not None and unit.pk not in seen:
                seen.add(unit.pk)
                out.append((unit, self.cleaned_data.get(f"pool_{i}")))
        return out


SETTINGS = tuple(RoundSettingsForm.base_fields)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=RoundStatus.choices)


class AreaForm(forms.Form):
    unit = UnitChoiceField(label=_("Area"), queryset=OrgUnit.objects.none())
    pool_size = forms.TypedChoiceField(
        label=_("Pool size"),
        choices=_pool_choices(_("Round default")),
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, scope, round: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_in_scope(scope, under=round.path)


class GroupForm(forms.Form):
    name = forms.CharField(
        label=_("Category"), max_length=80, help_text=_("For example: cold-chain workers.")
    )
    pool_size = forms.TypedChoiceField(label=_("Pool size"), choices=_pool_choices(), coerce=int, initial="1")
    people = forms.ModelMultipleChoiceField(
        label=_("People found"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    id_numbers = forms.CharField(
        label=_("ID numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Paste ID numbers, one per line (or separated by spaces or commas)."),
    )

    def __init__(self, *args, scope, found=None, **kwargs):
        from wangge.registry import selectors as registry_selectors

        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["people"].queryset = registry_selectors.people(scope)
        self.found = found or []

    def id_number_list(self) -> list[str]:
        import re

        raw = self.cleaned_data.get("id_numbers") or ""
        return [t.upper() for t in re.split(r"[\s,，;；]+", raw) if t][:5000]

    def clean(self):
        data = super().clean()
        if not data.get("people") and not (data.get("id_numbers") or "").strip():
            raise forms.ValidationError(_("Choose people found by the search or paste ID numbers."))
        return data


class DueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *DueStatus.choices], required=False
    )
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=OrgUnit.objects.none(), required=False)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)
    q = forms.CharField(label=_("Name"), required=False, max_length=60)
    home = forms.ChoiceField(
        label=_("Home sampling"),
        choices=[("", _("All")), ("1", _("Home sampling only")), ("0", _("Not home sampling"))],
        required=False,
    )

    def __init__(self, *args, scope, round: Round, **kwargs):
        super().__init__(*args, **kwargs)
        from wangge.registry import selectors as registry_selectors

        self.fields["grid"].queryset = units_in_scope(scope, under=round.path).filter(level=Level.GRID)
        self.fields["building"].queryset = (
            registry_selectors.buildings(scope).filter(path__startswith=round.path).order_by("path", "name")
        )
        if len(self.fields["building"].queryset[:301]) > 300:
            # Too many for a list: the grid filter narrows first.
            grid = self.data.get("grid") if self.data else None
            qs = self.fields["building"].queryset
            self.fields["building"].queryset = (
                qs.filter(grid_id=grid) if str(grid or "").isdigit() else qs.none()
            )

    def filters(self) -> dict:
        if not self.is_valid():
            return {"status": "", "grid": None, "building": None, "q": "", "home": ""}
        return self.cleaned_data


class ExemptForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=ExemptReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class HomeForm(forms.Form):
    home = forms.BooleanField(label=_("Sample at home (bedridden)"), required=False)


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    unit = UnitChoiceField(label=_("Located in"), queryset=OrgUnit.objects.none())
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180
    )
    tables = forms.IntegerField(label=_("Tables (sampling groups)"), min_value=1, max_value=200, initial=1)
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=DateTimeLocalInput())
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DateTimeLocalInput())
    pool_size = forms.TypedChoiceField(
        label=_("Pool size at this site"),
        choices=_pool_choices(_("As the round / area")),
        coerce=int,
        empty_value=None,
        required=False,
    )
    grids = UnitMultipleChoiceField(
        label=_("Grids served"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings served"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only buildings in the grids the site serves."),
    )

    def __init__(self, *args, scope, round: Round, **kwargs):
        from wangge.registry import selectors as registry_selectors

        super().__init__(*args, **kwargs)
        self.round = round
        self.fields["unit"].queryset = units_in_scope(scope, under=round.path)
        self.fields["grids"].queryset = units_in_scope(scope, under=round.path).filter(level=Level.GRID)
        self.fields["buildings"].queryset = (
            registry_selectors.buildings(scope)
            .filter(path__startswith=round.path)
            .select_related("grid")
            .order_by("path", "name", "id")
        )

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The site must close after it opens."))
        grids = {g.pk for g in data.get("grids") or []}
        stray = [b for b in data.get("buildings") or [] if b.grid_id not in grids]
        if stray:
            self.add_error("buildings", _("Tick the grid of every building the site serves."))
        return data

    BUILDINGS_SHOWN = 300

    def buildings_by_grid(self):
        """The building checkboxes grouped by grid, for the template: the buildings of the grids
        chosen, or all of them when there are few (a district has too many to list)."""
        groups: dict = {}
        chosen = {str(v) for v in (self["buildings"].value() or [])}
        grid_ids = [str(v) for v in (self["grids"].value() or []) if str(v).isdigit()]
        qs = self.fields["buildings"].queryset
        if grid_ids:
            qs = qs.filter(grid_id__in=grid_ids)
        elif qs[: self.BUILDINGS_SHOWN + 1].count() > self.BUILDINGS_SHOWN:
            qs = qs.none()
        for building in qs[:2000]:
            groups.setdefault(building.grid, []).append((building, str(building.pk) in chosen))
        return list(groups.items())


class SiteStaffForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=ChecklistItem.objects.none())
    staff = forms.ModelChoiceField(
        label=_("From the roster"),
        queryset=None,
        required=False,
        help_text=_("Or leave empty and give a name."),
    )
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    table_no = forms.IntegerField(label=_("Table"), min_value=1, max_value=200, required=False)

    def __init__(self, *args, scope, site, **kwargs):
        from wangge.roster import selectors as roster_selectors
        from wangge.testing.rounds.checklists import staff_roles

        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = staff_roles()
        self.fields["staff"].queryset = (
            roster_selectors.staff(scope).filter(path__startswith=site.path).order_by("path", "name")
        )

    def clean(self):
        data = super().clean()
        if not data.get("staff") and not (data.get("name") or "").strip():
            self.add_error("name", _("Choose someone from the roster or give a name."))
        return data


class ChecklistItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("List"), choices=ChecklistKind.choices)
    name = forms.CharField(label=_("Name"), max_length=80)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=999, required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        if item is not None:
            del self.fields["kind"]
