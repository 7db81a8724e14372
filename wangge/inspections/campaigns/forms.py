from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.inspections.models import CampaignKind


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices)
    name = forms.CharField(label=_("Name"), max_length=120)
    on_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(label=_("Office"), queryset=None)
    leader = forms.ModelChoiceField(label=_("Team leader"), queryset=None, required=False)
    departments = forms.ModelMultipleChoiceField(label=_("Departments"), queryset=None, required=False)
    venues = forms.ModelMultipleChoiceField(
        label=_("Venues"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, units, staff, departments, venues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["leader"].queryset = staff
        self.fields["departments"].queryset = departments
        self.fields["venues"].queryset = venues
