"""The decision form on a gathering's page: the grid (when the family gave only the village), the
conditions one per line, the on-site supervisor, a note or the reasons for a refusal."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.access import under
from wangge.org.models import Level, OrgUnit


class DecideForm(forms.Form):
    grid = forms.ChoiceField(label=_("Grid it is held in"), required=False)
    conditions = forms.CharField(
        label=_("Conditions (one per line)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    supervisor = forms.ChoiceField(label=_("On-site supervisor"), required=False)
    note = forms.CharField(
        label=_("Note or reasons"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, gathering=None, candidates=(), scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(u.pk): u for u in candidates}
        self.fields["supervisor"].choices = [("", _("Choose…"))] + [
            (str(u.pk), f"{u.get_full_name() or u.username} · {u.jurisdiction.name}") for u in candidates
        ]
        if gathering is not None and gathering.unit.level != Level.GRID and scope is not None:
            grids = under(
                scope.filter(OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True)), gathering.unit
            )
            self.fields["grid"].choices = [("", _("Choose…"))] + [
                (str(g.pk), g.name) for g in grids.order_by("code")
            ]
            self.grids = {str(g.pk): g for g in grids}
        else:
            del self.fields["grid"]
            self.grids = {}
        if gathering is not None and not self.is_bound:
            self.initial["conditions"] = "\n".join(gathering.conditions or [])

    def condition_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("conditions", "").splitlines() if line.strip()]

    def chosen_grid(self):
        return self.grids.get(self.cleaned_data.get("grid") or "")

    def chosen_supervisor(self):
        return self.candidates.get(self.cleaned_data.get("supervisor") or "")
