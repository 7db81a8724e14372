"""Forms of the places and people pages. Every other record a form refers to (grid, building,
room, household) is resolved through the actor's scope: a foreign or missing id is simply an
invalid choice, reported like any other mistake."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core.access import Scope
from wangge.core.forms import DateInput
from wangge.org import selectors as org_selectors
from wangge.org.models import Level
from wangge.registry import selectors
from wangge.registry.models import BuildingKind, IdType, Relation, ResidentStatus
from wangge.roster.forms import UNIT_FILTER_LIMIT, UnitChoiceField, unit_label

# Above this many buildings in the chosen area, the building filter is not offered as a list.
BUILDING_CHOICE_LIMIT = 300


class ScopedRecordField(forms.CharField):
    """An id typed, chosen or carried in a link, resolved with `getter(scope, id)`; 404 → invalid."""

    def __init__(self, *, scope: Scope, getter: Callable, message, **kwargs):
        self.scope = scope
        self.getter = getter
        self.message = message
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if not str(value).strip().isdigit():
            raise ValidationError(self.message, code="invalid_choice")
        try:
            return self.getter(self.scope, int(value))
        except Http404 as exc:
            raise ValidationError(self.message, code="invalid_choice") from exc


def grid_queryset(scope: Scope):
    return org_selectors.units(scope).filter(level=Level.GRID).order_by("path")


def _root_depth(scope: Scope) -> int:
    return scope.root.depth if scope.root is not None else 0


# --- people list filters ---------------------------------------------------------------


class PeopleFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, initials, ID or phone tail, address")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ResidentStatus.choices]
    )
    departed = forms.BooleanField(label=_("Include departed"), required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        units = org_selectors.units(scope).only("id", "name", "depth", "path", "level")
        if units.count() > UNIT_FILTER_LIMIT:
            units = units.exclude(level=Level.GRID)
        depth = _root_depth(scope)
        choices = [("", _("All units"))] + [(str(u.pk), unit_label(u, depth)) for u in units.order_by("path")]
        selected = str(self.data.get("unit") or "").strip()
        if selected and selected not in {c[0] for c in choices} and selected.isdigit():
            unit = org_selectors.units(scope).filter(pk=selected).first()
            if unit is not None:
                choices.append((str(unit.pk), unit.name))
        self.fields["unit"] = ScopedRecordField(
            scope=scope,
            getter=org_selectors.get_unit,
            message=_("Choose a unit from the list."),
            label=_("Grid or unit"),
            required=False,
            widget=forms.Select(choices=choices),
        )
        # Buildings of the chosen unit (or of the whole scope when few enough).
        buildings = selectors.buildings(scope)
        unit_id = selected if selected.isdigit() else ""
        if unit_id:
            unit = org_selectors.units(scope).filter(pk=unit_id).only("path").first()
            buildings = buildings.filter(path__startswith=unit.path) if unit else buildings.none()
        building_choices = [("", _("All buildings"))]
        listed = list(
            buildings.order_by("path", "name").values_list("pk", "name", "grid__name")[
                : BUILDING_CHOICE_LIMIT + 1
            ]
        )
        if len(listed) <= BUILDING_CHOICE_LIMIT:
            building_choices += [(str(pk), f"{grid} · {name}") for pk, name, grid in listed]
        chosen = str(self.data.get("building") or "").strip()
        if chosen.isdigit() and chosen not in {c[0] for c in building_choices}:
            b = selectors.buildings(scope).filter(pk=chosen).values_list("pk", "name").first()
            if b is not None:
                building_choices.append((str(b[0]), b[1]))
        self.fields["building"] = ScopedRecordField(
            scope=scope,
            getter=selectors.get_building,
            message=_("Choose a building from the list."),
            label=_("Building"),
            required=False,
            widget=forms.Select(choices=building_choices),
        )
        self.order_fields(["q", "unit", "building", "status", "departed"])

    def filters(self) -> dict:
        """The valid part of the filters; an invalid field is reported and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q") or "",
            "unit": data.get("unit"),
            "building": data.get("building"),
            "status": data.get("status") or "",
            "include_departed": bool(data.get("departed")),
        }


# --- buildings -----------------------------------------------------------------------


class BuildingForm(forms.Form):
    grid = UnitChoiceField(label=_("Grid (level 3)"), queryset=None)
    name = forms.CharField(label=_("Name of the building"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=BuildingKind.choices, initial=BuildingKind.RESIDENTIAL)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    unit_count = forms.IntegerField(label=_("Units (单元)"), min_value=1, max_value=99, initial=1)
    floor_count = forms.IntegerField(label=_("Floors"), min_value=1, max_value=200, initial=1)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grid_queryset(scope)
        self.fields["grid"].root_depth = _root_depth(scope)
        self.fields["grid"].error_messages["invalid_choice"] = _("Choose a grid of your jurisdiction.")


class BuildingMoveForm(forms.Form):
    grid = UnitChoiceField(label=_("Move to the grid"), queryset=None)

    def __init__(self, *args, scope: Scope, building=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = grid_queryset(scope).filter(closed_at__isnull=True)
        if building is not None:
            qs = qs.exclude(pk=building.grid_id)
        self.fields["grid"].queryset = qs
        self.fields["grid"].root_depth = _root_depth(scope)
        self.fields["grid"].error_messages["invalid_choice"] = _("Choose a grid of your jurisdiction.")


# --- households ----------------------------------------------------------------------


class HouseholdForm(forms.Form):
    """A household at a room of a building: an existing room, or a new one typed here."""

    room = forms.ChoiceField(label=_("Room"), required=False)
    unit_label = forms.CharField(label=_("Unit (单元)"), max_length=20, required=False)
    number = forms.CharField(label=_("Room number"), max_length=20, required=False)
    floor = forms.IntegerField(
        label=_("Floor"),
        required=False,
        min_value=-5,
        max_value=200,
        help_text=_("Leave empty to read it from the room number (1203 → floor 12)."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, scope: Scope, building, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.building = building
        rooms = selectors.rooms(scope).filter(building=building).order_by("unit_label", "floor", "number")
        self.fields["room"].choices = [("", _("A new room (type it below)"))] + [
            (str(r.pk), f"{r.unit_label}{r.number}") for r in rooms
        ]

    def clean(self):
        data = super().clean()
        room_id = data.get("room")
        if room_id:
            try:
                room = selectors.get_room(self.scope, room_id)
            except Http404:
                room = None
            if room is None or room.building_id != self.building.pk:
                self.add_error("room", _("Choose a room of this building."))
            data["room_obj"] = room
        elif not (data.get("number") or "").strip():
            self.add_error("number", _("Choose a room or type its number."))
        return data


# --- people --------------------------------------------------------------------------


class PickedElsewhere(forms.HiddenInput):
    """The value comes from the radio buttons of the household picker, outside the form."""

    def render(self, name, value, attrs=None, renderer=None):
        return ""


class HiddenErrorsShown:
    """Errors of hidden fields would never be seen: show them above the form instead."""

    def _post_clean(self):
        super()._post_clean()
        for name, field in self.fields.items():
            if field.widget.is_hidden and name in self._errors:
                errors = self._errors.pop(name)
                self._errors.setdefault(NON_FIELD_ERRORS, self.error_class(error_class="nonfield"))
                self._errors[NON_FIELD_ERRORS].extend(errors)


def _household_field(scope: Scope, *, picked: bool) -> ScopedRecordField:
    field = ScopedRecordField(
        scope=scope,
        getter=selectors.get_household,
        message=_("Choose a household of your jurisdiction."),
        label=_("Household"),
        widget=PickedElsewhere if picked else forms.HiddenInput,
    )
    field.error_messages["required"] = _("Choose a household.")
    return field


class PersonForm(HiddenErrorsShown, forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    relation = forms.ChoiceField(
        label=_("Relation to the head"), choices=[("", "—"), *Relation.choices], required=False
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=ResidentStatus.choices, initial=ResidentStatus.REGISTERED
    )
    hukou_place = forms.CharField(label=_("Place of household registration"), max_length=200, required=False)
    origin = forms.CharField(label=_("Origin"), max_length=200, required=False)
    employer = forms.CharField(label=_("Employer"), max_length=200, required=False)
    arrival_date = forms.DateField(label=_("Arrival date"), required=False, widget=DateInput())

    FIELDS = ("name", "relation", "phone", "status", "hukou_place", "origin", "employer", "arrival_date")

    def __init__(
        self,
        *args,
        scope: Scope,
        person=None,
        household=None,
        show_ids: bool = True,
        show_phones: bool = True,
        **kwargs,
    ):
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = {f: getattr(person, f) for f in self.FIELDS} | {
                "id_type": person.id_type,
                "id_number": person.id_number,
            }
        super().__init__(*args, **kwargs)
        self.person = person
        if person is None:
            # A household given by the page is carried in a hidden input; else the picker gives it.
            self.fields["household"] = _household_field(scope, picked=household is None)
            if household is not None:
                self.initial["household"] = household.pk
        else:
            # Whoever may not see the full number may not overwrite it blindly either.
            self.ids_hidden = not show_ids
            self.phone_hidden = not show_phones
            if self.ids_hidden:
                del self.fields["id_type"], self.fields["id_number"]
            if self.phone_hidden:
                del self.fields["phone"]

    def changes(self) -> dict:
        data = self.cleaned_data
        return {f: data[f] for f in self.FIELDS if f in self.fields}

    def document(self) -> dict:
        if "id_number" not in self.fields:
            return {}
        return {"id_type": self.cleaned_data["id_type"], "id_number": self.cleaned_data["id_number"]}


class TransferForm(HiddenErrorsShown, forms.Form):
    relation = forms.ChoiceField(
        label=_("Relation to the new head"), choices=[("", "—"), *Relation.choices], required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"] = _household_field(scope, picked=True)
        self.fields["household"].error_messages["required"] = _("Choose the household to move to.")
        self.order_fields(["household", "relation", "reason"])


class DepartForm(forms.Form):
    on = forms.DateField(label=_("Left on"), widget=DateInput())
    reason = forms.CharField(label=_("Reason or destination"), max_length=200, required=False)
