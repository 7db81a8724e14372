from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.audit import display, selectors
from wangge.audit.models import Action
from wangge.core.access import Scope
from wangge.core.forms import DateInput


class EventFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Username contains")}),
    )
    model = forms.ChoiceField(label=_("Record type"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *Action.choices]
    )
    object_id = forms.CharField(
        label=_("Record id"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8}),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        models = selectors.models_in_log(scope)
        self.fields["model"].choices = [("", _("All record types"))] + sorted(
            ((m, display.model_label(m)) for m in models), key=lambda c: c[1]
        )

    def filters(self) -> dict:
        """The valid part of the filters; an invalid field is reported and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "actor": (data.get("actor") or "").strip(),
            "model": data.get("model") or "",
            "action": data.get("action") or "",
            "object_id": (data.get("object_id") or "").strip(),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
