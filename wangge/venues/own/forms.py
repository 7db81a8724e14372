from django import forms
from django.utils.translation import gettext_lazy as _


class VenueAccountForm(forms.Form):
    phone = forms.CharField(
        label=_("Manager's mobile phone (their login)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    display_name = forms.CharField(label=_("Manager's name"), max_length=100, required=False)
