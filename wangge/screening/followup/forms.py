"""Forms of the follow-up pages: a daily check, handling an escalation, service requests."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.screening.models import ServiceKind, ServiceStatus, Symptom


class CheckForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    on_date = forms.DateField(label=_("Date"), widget=DateInput)
    slot = forms.IntegerField(label=_("Check no."), min_value=1, max_value=24)
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        required=False,
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "34", "max": "43", "inputmode": "decimal"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"), choices=Symptom.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    present = forms.BooleanField(label=_("Present where they must be"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, measure=None, slot=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("client_id", uuid.uuid4())
        initial.setdefault("on_date", timezone.localdate())
        initial.setdefault("slot", slot or 1)
        initial.setdefault("present", True)
        super().__init__(*args, **kwargs)
        prefix = f"m{measure.pk}-" if measure is not None else ""
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"id_{prefix}{name}")


class HandleForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class ServiceForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("What is needed"), choices=ServiceKind.choices)
    detail = forms.CharField(label=_("Detail"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("client_id", uuid.uuid4())
        super().__init__(*args, **kwargs)


class AssignForm(forms.Form):
    assigned_to = forms.ModelChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = staff


class DoneForm(forms.Form):
    outcome = forms.CharField(label=_("What was done"), max_length=300)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300)


STATUS_FILTER = [("open", _("Open (not yet done)")), *ServiceStatus.choices, ("all", _("All"))]


class ServiceFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER, required=False)
    kind = forms.ChoiceField(label=_("What"), choices=[("", _("All")), *ServiceKind.choices], required=False)
    grid = forms.TypedChoiceField(label=_("Grid"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [("", _("All grids"))] + [(g.pk, g.name) for g in (grids or [])]
