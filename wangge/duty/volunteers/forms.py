from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.duty.models import Availability, Skill, TaskKind
from wangge.registry.models import IdType
from wangge.screening.intake.forms import open_villages_by_office


class SignUpForm(forms.Form):
    request_key = forms.UUIDField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=60)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=32)
    village = forms.ChoiceField(label=_("Village or community where you volunteer"))
    is_party_member = forms.BooleanField(label=_("I am a party member"), required=False)
    skills = forms.MultipleChoiceField(
        label=_("Skills"), choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    availability = forms.MultipleChoiceField(
        label=_("When you can help"), choices=Availability.choices, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("Anything else"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = open_villages_by_office()
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4())


class VetForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("reject", _("Do not accept"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Task"), choices=TaskKind.choices)
    day = forms.DateField(label=_("Day"), widget=DateInput())
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    site = forms.TypedChoiceField(label=_("Sampling site"), coerce=int, required=False, empty_value=None)
    site_role = forms.TypedChoiceField(
        label=_("Role at the site"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, sites=(), roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "—")] + [(s.pk, s.name) for s in sites]
        self.fields["site_role"].choices = [("", "—")] + [(r.pk, r.name) for r in roles]
