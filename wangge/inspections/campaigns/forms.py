from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.inspections.models import CampaignKind


class TeamChoice(forms.ModelMultipleChoiceField):
    """A roster member with their department: a team is drawn from departments."""

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.department.name}）" if obj.department_id else obj.name


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices)
    name = forms.CharField(label=_("Name"), max_length=120)
    on_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(label=_("Office"), queryset=None)
    team = TeamChoice(
        label=_("Team (the departments follow from it)"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    leader = forms.ModelChoiceField(label=_("Team leader (one of the team)"), queryset=None)
    venues = forms.ModelMultipleChoiceField(
        label=_("Venues"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, units, staff, venues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["team"].queryset = staff
        self.fields["leader"].queryset = staff
        self.fields["venues"].queryset = venues


class TeamForm(forms.Form):
    team = TeamChoice(
        label=_("Team (the departments follow from it)"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    leader = forms.ModelChoiceField(label=_("Team leader (one of the team)"), queryset=None)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = staff
        self.fields["leader"].queryset = staff
