"""The gathering report form: the family's on the public phone form, the grid worker's in the
office. Up to three meals, each with its day, expected diners and tables."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.gatherings.models import CatererKind, GatheringKind, PlaceKind
from wangge.gatherings.reports.services import MealIn
from wangge.org.models import Level, OrgUnit
from wangge.registry.models import IdType

MEALS = 3


def open_villages_by_office() -> list:
    """Open villages and communities grouped by office (unit names are public)."""
    villages = (
        OrgUnit.objects.filter(level=Level.VILLAGE, closed_at__isnull=True)
        .select_related("parent")
        .order_by("parent__code", "code")
    )
    groups: dict[str, list] = {}
    for v in villages:
        groups.setdefault(v.parent.name if v.parent_id else "", []).append((str(v.pk), v.name))
    return [("", _("Choose…")), *groups.items()]


class GatheringForm(forms.Form):
    client_token = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ModelChoiceField(
        label=_("What gathering"), queryset=GatheringKind.objects.none(), empty_label=_("Choose…")
    )
    title = forms.CharField(label=_("Occasion (optional)"), max_length=100, required=False)
    host_name = forms.CharField(label=_("Host's name"), max_length=60)
    host_id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    host_id_number = forms.CharField(label=_("Host's ID number"), max_length=32)
    host_phone = forms.CharField(
        label=_("Host's phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    unit = forms.ChoiceField(label=_("Village or community"))
    place_kind = forms.ChoiceField(label=_("Where"), choices=PlaceKind.choices, initial=PlaceKind.HOUSEHOLD)
    address = forms.CharField(label=_("Address"), max_length=250)
    starts_on = forms.DateField(label=_("First day"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last day (if more than one day)"), widget=DateInput(), required=False)
    caterer_kind = forms.ChoiceField(
        label=_("Who cooks"), choices=CatererKind.choices, initial=CatererKind.VILLAGE_CHEF
    )
    caterer = forms.CharField(label=_("Caterer or chef's name"), max_length=100, required=False)
    outside_guests = forms.BooleanField(label=_("Guests come from outside the district"), required=False)
    outside_from = forms.CharField(label=_("From where"), max_length=200, required=False)
    plan = forms.CharField(
        label=_("Prevention plan (needed over 50 diners)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Tables, spacing, scanning codes and temperatures at the door, who supervises."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, public: bool = True, units=None, venues=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = GatheringKind.objects.filter(active=True)
        self.public = public
        self.venues: dict[str, object] = {}
        if public:
            self.fields["unit"].choices = open_villages_by_office()
            self.fields["pledge"] = forms.BooleanField(
                label=_("I promise that what I have filled in is true and will keep the conditions set."),
                required=True,
            )
        else:
            self.fields["unit"].label = _("Village, community or grid")
            self.fields["unit"].choices = [("", _("Choose…"))] + [(str(u.pk), u.name) for u in (units or [])]
            self.venues = {str(v.pk): v for v in (venues or [])}
            self.fields["venue"] = forms.ChoiceField(
                label=_("Venue (when held at a hotel or restaurant)"),
                required=False,
                choices=[("", "—")] + [(k, v.name) for k, v in self.venues.items()],
            )
        for i in range(1, MEALS + 1):
            self.fields[f"meal{i}_on"] = forms.DateField(
                label=_("Meal %(n)s: day") % {"n": i}, widget=DateInput(), required=False
            )
            self.fields[f"meal{i}_label"] = forms.CharField(
                label=_("Meal %(n)s: which (lunch, dinner)") % {"n": i}, max_length=20, required=False
            )
            self.fields[f"meal{i}_diners"] = forms.IntegerField(
                label=_("Meal %(n)s: expected diners") % {"n": i}, min_value=1, max_value=100000, required=(i == 1),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )  # fmt: skip
            self.fields[f"meal{i}_tables"] = forms.IntegerField(
                label=_("Meal %(n)s: tables") % {"n": i}, min_value=0, max_value=10000, required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )  # fmt: skip
        self.fields["guest_list"] = forms.FileField(
            label=_("Guest list (optional: xlsx, xls or CSV with names, ID numbers and phones)"),
            required=False,
        )
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4())

    def chosen_venue(self):
        return self.venues.get(self.cleaned_data.get("venue") or "")

    def clean_unit(self):
        value = self.cleaned_data["unit"]
        allowed = {str(k) for k, _v in self._choice_values()}
        if value not in allowed:
            raise forms.ValidationError(_("Choose your village or community."))
        return OrgUnit.objects.get(pk=value)

    def _choice_values(self):
        for key, label in self.fields["unit"].choices:
            if isinstance(label, list | tuple):
                yield from label
            elif key:
                yield key, label

    def clean_starts_on(self):
        value = self.cleaned_data["starts_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The date is in the past: report a gathering before it is held."))
        return value

    def clean(self):
        data = super().clean()
        starts_on = data.get("starts_on")
        if starts_on and not data.get("ends_on"):
            data["ends_on"] = starts_on
        return data

    def meals(self) -> list[MealIn]:
        data = self.cleaned_data
        out = []
        for i in range(1, MEALS + 1):
            diners = data.get(f"meal{i}_diners")
            if diners:
                out.append(
                    MealIn(
                        on=data.get(f"meal{i}_on") or data.get("starts_on"),
                        diners=diners,
                        tables=data.get(f"meal{i}_tables") or 0,
                        label=data.get(f"meal{i}_label") or "",
                    )
                )
        return out

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "client_token": d["client_token"], "kind": d["kind"], "title": d["title"], "host_name": d["host_name"],
            "host_id_type": d["host_id_type"], "host_id_number": d["host_id_number"], "host_phone": d["host_phone"],
            "unit": d["unit"], "place_kind": d["place_kind"], "address": d["address"], "starts_on": d["starts_on"],
            "ends_on": d["ends_on"], "meals": self.meals(), "caterer_kind": d["caterer_kind"], "caterer": d["caterer"],
            "outside_guests": d["outside_guests"], "outside_from": d["outside_from"], "plan": d["plan"], "note": d["note"],
            "venue": self.chosen_venue(),
        }  # fmt: skip


class LookupForm(forms.Form):
    code = forms.CharField(label=_("Look-up code"), max_length=12)
    phone_tail = forms.CharField(label=_("Last 4 digits of the host's phone"), min_length=4, max_length=4)
