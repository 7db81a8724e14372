"""Forms of a venue's records: staff, disinfection log, visitor register (phone-first)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.registry.models import IdType
from wangge.venues.models import CodeColour


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ClientIdMixin(forms.Form):
    # Made once when the form is shown: the same form sent twice stores one line.
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_id", str(uuid.uuid4()))


class DisinfectionForm(ClientIdMixin):
    done_on = forms.DateField(label=_("Date"), widget=DateInput)
    done_at = forms.TimeField(label=_("Time"), required=False, widget=TimeInput)
    area = forms.CharField(
        label=_("Area"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. lobby, kitchen")}),
    )
    agent = forms.CharField(label=_("Disinfectant"), max_length=60, required=False)
    done_by = forms.CharField(label=_("Done by"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = timezone.localtime()
            self.initial.setdefault("done_on", now.date())
            self.initial.setdefault("done_at", now.strftime("%H:%M"))


class VisitorForm(ClientIdMixin):
    name = forms.CharField(label=_("Name"), max_length=60)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    at = forms.DateTimeField(label=_("Time"), required=False, widget=DateTimeInput)
    code_colour = forms.ChoiceField(
        label=_("Health code"), choices=CodeColour.choices, initial=CodeColour.GREEN
    )
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))


class StaffForm(forms.Form):
    """A staff member: a person of the registry found by their ID document, or registered
    provisionally in the venue's grid when the registry does not have them."""

    name = forms.CharField(label=_("Name"), max_length=60)
    id_type = forms.ChoiceField(label=_("ID document"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(
        label=_("ID number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    job = forms.CharField(label=_("Job"), max_length=60, required=False)
    since = forms.DateField(label=_("Since"), required=False, widget=DateInput)
