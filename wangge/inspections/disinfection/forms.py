from django import forms
from django.utils.translation import gettext_lazy as _


class PlanForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Village, site or grid"), queryset=None)
    venue = forms.ModelChoiceField(label=_("Venue (if the plan is a venue's)"), queryset=None, required=False)
    place = forms.CharField(label=_("Place"), max_length=120)
    every_days = forms.IntegerField(label=_("Every (days)"), min_value=1, max_value=90, initial=1)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, units=None, venues=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # A plan's unit and venue stay: a plan of another place is a new plan.
            del self.fields["unit"]
            del self.fields["venue"]
        else:
            self.fields["unit"].queryset = units
            self.fields["venue"].queryset = venues
