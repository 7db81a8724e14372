from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.duty.models import CheckpointKind, ShiftPattern


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    grid = forms.TypedChoiceField(label=_("Grid"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=CheckpointKind.choices)
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    round_the_clock = forms.BooleanField(label=_("Round the clock"), required=False, initial=True)
    opens_at = forms.TimeField(label=_("Opens at"), required=False, widget=TimeInput())
    closes_at = forms.TimeField(label=_("Closes at"), required=False, widget=TimeInput())
    pattern = forms.ChoiceField(label=_("Shift pattern"), choices=ShiftPattern.choices)
    shift_times = forms.CharField(
        label=_("Set times"),
        required=False,
        max_length=200,
        help_text=_("Only for set times, e.g. 07:00-12:00, 12:00-19:00."),
    )
    people_per_shift = forms.IntegerField(label=_("People per shift"), min_value=1, max_value=20, initial=2)

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [(g.pk, g.name) for g in grids]


class CheckpointEditForm(CheckpointForm):
    """The same fields but the grid (a checkpoint stays in its grid: close it and set up another)."""

    def __init__(self, *args, checkpoint=None, **kwargs):
        # Initial values are ignored once the form is bound; the view passes request.POST or None.
        if checkpoint is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": checkpoint.name,
                "kind": checkpoint.kind,
                "address": checkpoint.address,
                "round_the_clock": checkpoint.round_the_clock,
                "opens_at": checkpoint.opens_at,
                "closes_at": checkpoint.closes_at,
                "pattern": checkpoint.pattern,
                "shift_times": ", ".join(f"{a}-{b}" for a, b in checkpoint.shift_times or []),
                "people_per_shift": checkpoint.people_per_shift,
            }
        super().__init__(*args, **kwargs)
        del self.fields["grid"]


class CloseCheckpointForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it closed"),
        max_length=200,
        help_text=_("Such as: the road is reopened, the village is no longer sealed."),
    )


class MakeShiftsForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=62, initial=7)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("start", timezone.localdate())
