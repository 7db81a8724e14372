from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AssignForm(forms.Form):
    who = forms.ChoiceField(label=_("Who"))

    def __init__(self, *args, staff=(), volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [
            ("", _("Choose…")),
            (_("Roster"), [(f"s{s.pk}", f"{s.name} · {s.get_kind_display()}") for s in staff]),
            (_("Vetted volunteers"), [(f"v{v.pk}", f"{v.name} · {v.village.name}") for v in volunteers]),
        ]
