from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _


class DayCheckForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    actual_diners = forms.IntegerField(
        label=_("Diners counted"),
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    conditions_kept = forms.BooleanField(label=_("All the conditions are kept"), required=False, initial=True)
    problems = forms.CharField(
        label=_("Problems found"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(
        label=_("Photo of the problem (optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())


class AfterForm(forms.Form):
    actual_diners = forms.IntegerField(
        label=_("Diners in all"),
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    anyone_unwell = forms.BooleanField(label=_("Anyone unwell since (fever, cough)"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
