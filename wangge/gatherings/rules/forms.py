from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.gatherings.models import GatheringKind, Stance


class RuleVersionForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=GatheringKind.objects.filter(active=True))
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    stance = forms.ChoiceField(label=_("The rule says"), choices=Stance.choices)
    wording = forms.CharField(label=_("The rule's own words"), max_length=200, required=False)
    advice = forms.CharField(
        label=_("Advice to the family"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lead_days = forms.IntegerField(
        label=_("Reported at least (days ahead)"), min_value=0, max_value=60, initial=0
    )
    max_diners_per_meal = forms.IntegerField(
        label=_("At most (diners per meal)"), min_value=1, required=False
    )
    village_band = forms.IntegerField(
        label=_("Filed with the village up to (diners)"), min_value=0, initial=50
    )
    office_band = forms.IntegerField(
        label=_("Approved by the office up to (diners)"), min_value=0, initial=200
    )
    conditions = forms.CharField(
        label=_("Conditions (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    basis_reference = forms.CharField(
        label=_("Reference (the notice it comes from)"), max_length=200, required=False
    )

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["conditions"] = [c for c in d["conditions"].splitlines() if c.strip()]
        return d


class KindForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    name_en = forms.CharField(label=_("English name"), max_length=80, required=False)
    examples = forms.CharField(label=_("Such as"), max_length=200, required=False)
    order = forms.IntegerField(label=_("Order in the lists"), min_value=0, max_value=32000, required=False)
