"""Forms of the rental, visit and party-link pages. Every reference to another record is
resolved through the actor's scope, so a foreign id is simply not a valid choice."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.access import Scope
from wangge.core.forms import DateInput
from wangge.org import selectors as org_selectors
from wangge.org.models import Level
from wangge.registry import selectors
from wangge.registry.models import IdType, RentalKind, RentalStatus, VisitOutcome
from wangge.registry.rentals.services import Flags
from wangge.registry.visits import services as visit_reads
from wangge.roster.forms import UNIT_FILTER_LIMIT, ScopedUnitField, unit_label

HOUSEHOLD_CHOICE_LIMIT = 500


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _unit_choices(scope: Scope, empty_label) -> list[tuple[str, str]]:
    units = org_selectors.units(scope).only("id", "name", "depth", "path", "level")
    if units.count() > UNIT_FILTER_LIMIT:
        units = units.exclude(level=Level.GRID)
    depth = scope.root.depth if scope.root is not None else 0
    return [("", empty_label)] + [(str(u.pk), unit_label(u, depth)) for u in units.order_by("path")]


def _unit_field(scope: Scope, data, name: str = "unit") -> ScopedUnitField:
    choices = _unit_choices(scope, _("All grids"))
    selected = str((data or {}).get(name) or "").strip()
    if selected and selected not in {c[0] for c in choices} and selected.isdigit():
        unit = org_selectors.units(scope).filter(pk=selected).first()
        if unit is not None:
            choices.append((str(unit.pk), unit.name))
    return ScopedUnitField(
        scope=scope, label=_("Grid or unit"), required=False, widget=forms.Select(choices=choices)
    )


class PersonByDocumentMixin:
    """Resolve a typed ID document to an active person inside the scope."""

    scope: Scope

    def person_in_scope(self, id_type: str, id_number: str):
        from wangge.registry.services import find_by_document

        person = find_by_document(id_type, id_number)
        if person is None or not person.is_active or not self.scope.covers_path(person.path):
            return None
        return person


# --- rentals -----------------------------------------------------------------------------


class RentalFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Address or sign")}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *RentalKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *RentalStatus.choices]
    )
    flag = forms.ChoiceField(
        label=_("Flag"),
        required=False,
        choices=[
            ("", _("Any")),
            (Flags.LATE, _("Tenant reported late")),
            (Flags.OVER, _("Over-occupied")),
            (Flags.NO_PLEDGE, _("No pledge")),
            (Flags.NO_PLACARDS, _("No code placards")),
            (Flags.UNVISITED, _("Not visited in N days")),
        ],
    )
    days = forms.IntegerField(label=_("N days"), required=False, min_value=1, max_value=3650, initial=30)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["unit"] = _unit_field(scope, self.data)
        self.order_fields(["q", "unit", "kind", "status", "flag", "days"])

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "unit": data.get("unit"),
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "flag": data.get("flag") or "",
            "days": data.get("days") or 30,
        }


class RentalForm(PersonByDocumentMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RentalKind.choices)
    building = forms.ModelChoiceField(label=_("Building"), queryset=None)
    unit_label = forms.CharField(label=_("Unit (单元)"), max_length=20, required=False)
    room_number = forms.CharField(
        label=_("Room"), max_length=20, required=False, help_text=_("Leave empty for a whole house or shop.")
    )
    name = forms.CharField(label=_("Name / sign"), max_length=100, required=False)
    address = forms.CharField(
        label=_("Address"), max_length=250, required=False, help_text=_("Leave empty to use the building's.")
    )
    landlord_id_type = forms.ChoiceField(label=_("Landlord's ID type"), choices=IdType.choices)
    landlord_id_number = forms.CharField(
        label=_("Landlord's ID number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("The landlord must already be registered in your jurisdiction."),
    )
    manager_name = forms.CharField(label=_("Manager"), max_length=60, required=False)
    manager_phone = forms.CharField(
        label=_("Manager's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=RentalStatus.choices)
    rooms = forms.IntegerField(label=_("Rooms"), min_value=1, max_value=1000, initial=1)
    capacity = forms.IntegerField(label=_("Capacity (people)"), min_value=0, max_value=5000, initial=1)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, scope: Scope, rental=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.rental = rental
        self.fields["building"].queryset = selectors.buildings(scope).order_by("path", "name")
        if rental is not None:
            # The building is fixed (moving a building moves its rentals); the landlord is kept
            # unless a new ID number is typed.
            del self.fields["building"]
            self.fields["landlord_id_number"].required = False
            self.fields["landlord_id_number"].help_text = _(
                "Leave empty to keep the landlord; type an ID number to change them."
            )

    def clean(self):
        data = super().clean()
        number = (data.get("landlord_id_number") or "").strip()
        data["landlord"] = None
        if number:
            try:
                person = self.person_in_scope(data.get("landlord_id_type"), number)
            except ValidationError as exc:
                self.add_error("landlord_id_number", exc)
            else:
                if person is None:
                    self.add_error(
                        "landlord_id_number",
                        _(
                            "No one with this ID number is registered in your jurisdiction: register the landlord first."
                        ),
                    )
                data["landlord"] = person
        return data


class PledgeForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    file = forms.FileField(
        label=_("Scanned pledge"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )


class PlacardsForm(forms.Form):
    posted_on = forms.DateField(label=_("Posted on"), widget=DateInput())
    posted_by = forms.CharField(label=_("Posted by"), max_length=60)


class TenantForm(PersonByDocumentMixin, forms.Form):
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices)
    id_number = forms.CharField(
        label=_("ID number"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        required=False,
        help_text=_("Needed only for someone not yet registered."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    origin = forms.CharField(label=_("Origin"), max_length=200, required=False)
    employer = forms.CharField(label=_("Employer"), max_length=200, required=False)
    household = forms.ChoiceField(label=_("Register in household"), required=False)
    move_in = forms.DateField(label=_("Moved in"), widget=DateInput())
    reported_on = forms.DateField(label=_("Reported on"), widget=DateInput(), required=False)
    from_risk_area = forms.BooleanField(label=_("Arrived from a risk area"), required=False)

    def __init__(self, *args, scope: Scope, rental, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("move_in", timezone.localdate())
        kwargs["initial"].setdefault("reported_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.rental = rental
        households = (
            selectors.households(scope).filter(room__building=rental.building).order_by("address", "id")
        )
        default = _("The rental's own room") if rental.room_id else _("Choose a household")
        self.fields["household"].choices = [("", default)] + [
            (str(h.pk), str(h)) for h in households[:HOUSEHOLD_CHOICE_LIMIT]
        ]
        self.fields["household"].help_text = _("Used only when the tenant is not yet registered.")

    def clean_household(self):
        value = self.cleaned_data.get("household")
        if not value:
            return None
        try:
            household = selectors.get_household(self.scope, value)
        except Http404 as exc:
            raise ValidationError(_("Choose a household from the list.")) from exc
        if household.room.building_id != self.rental.building_id:
            raise ValidationError(_("Choose a household in the rental's building."))
        return household

    def clean(self):
        data = super().clean()
        data["person"] = None
        if data.get("id_type") and data.get("id_number"):
            try:
                data["person"] = self.person_in_scope(data["id_type"], data["id_number"])
            except ValidationError as exc:
                self.add_error("id_number", exc)
                return data
            if data["person"] is None and not (data.get("name") or "").strip():
                self.add_error(
                    "name", _("This person is not registered yet: enter their name to register them.")
                )
        return data


class TenancyEndForm(forms.Form):
    move_out = forms.DateField(label=_("Moved out"), widget=DateInput())


# --- visits --------------------------------------------------------------------------------


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices)
    visited_at = forms.DateTimeField(label=_("Visited at"), widget=DateTimeInput())
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_needed = forms.BooleanField(label=_("Follow-up needed"), required=False)


class UnvisitedFilterForm(forms.Form):
    days = forms.IntegerField(label=_("Not visited in (days)"), required=False, min_value=1, max_value=3650)
    what = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("households", _("Households")), ("rentals", _("Rentals and shops"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("grid", _("By grid")), ("oldest", _("Longest unvisited first"))],
    )

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(scope, self.data)
        self.order_fields(["unit", "what", "days", "sort"])

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "unit": data.get("unit"),
            "days": data.get("days") or visit_reads.DEFAULT_UNVISITED_DAYS,
            "what": data.get("what") or "households",
            "sort": data.get("sort") or "grid",
        }


# --- party-member links -------------------------------------------------------------------


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.unit.name} ({obj.household_count})"


class LinkForm(forms.Form):
    member = MemberChoiceField(label=_("Party member"), queryset=None)
    household = forms.ChoiceField(label=_("Household"))
    start_date = forms.DateField(label=_("From"), widget=DateInput())

    def __init__(self, *args, scope: Scope, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["member"].queryset = visit_reads.party_members(scope).filter(is_active=True)
        uncovered = visit_reads.uncovered_households(scope)[:HOUSEHOLD_CHOICE_LIMIT]
        choices = [("", _("Choose a household without a linked member"))] + [
            (str(h.pk), f"{h.room.building.grid.name} · {h}") for h in uncovered
        ]
        wanted = str(self.data.get("household") or self.initial.get("household") or "")
        if wanted.isdigit() and wanted not in {c[0] for c in choices}:
            household = selectors.households(scope).filter(pk=wanted).first()
            if household is not None:
                choices.append((str(household.pk), str(household)))
        self.fields["household"].choices = choices

    def clean_household(self):
        try:
            return selectors.get_household(self.scope, self.cleaned_data.get("household"))
        except Http404 as exc:
            raise ValidationError(_("Choose a household from the list.")) from exc


class LinkEndForm(forms.Form):
    end_date = forms.DateField(
        label=_("Ends on"), widget=DateInput(), help_text=_("The first day without the link.")
    )


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    report_within_working_days = forms.IntegerField(
        label=_("Report a new tenant within (working days)"), min_value=0, max_value=30, initial=1
    )
    max_people_per_room = forms.IntegerField(
        label=_("Most people per room (0: use each rental's capacity)"), min_value=0, max_value=50, initial=0
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_to = forms.DateField(label=_("Valid to"), widget=DateInput, required=False)
