from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.org.models import ALLOWED_PARENT_LEVELS, Level, OrgUnit
from wangge.roster.models import AssignmentRole

# The role most often given for each level, preselected on the assign form.
DEFAULT_ROLE_FOR_LEVEL = {
    Level.OFFICE: AssignmentRole.OFFICE_LEADER,
    Level.MANAGEMENT_AREA: AssignmentRole.AREA_LEADER,
    Level.VILLAGE: AssignmentRole.VILLAGE_SECRETARY,
    Level.WORKSTATION: AssignmentRole.WORKSTATION_LEADER,
    Level.GRID: AssignmentRole.GRID_LEADER,
}


def child_levels(parent: OrgUnit) -> list[Level]:
    """The levels that may sit directly under this unit."""
    return [level for level in Level if parent.level in ALLOWED_PARENT_LEVELS[level]]


class UnitCreateForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Level"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("Unique in the district."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    sort_order = forms.IntegerField(label=_("Sort order"), initial=0, required=False)

    def __init__(self, *args, parent: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        levels = child_levels(parent)
        self.fields["level"].choices = [(level.value, level.label) for level in levels]
        if levels:
            # Under an office a village is far more common than a management area.
            self.fields["level"].initial = Level.VILLAGE if Level.VILLAGE in levels else levels[0]
        self.fields["code"].initial = f"{parent.code}-"


class UnitEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("Unique in the district."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    sort_order = forms.IntegerField(label=_("Sort order"), required=False)


class UnitMoveForm(forms.Form):
    # An id, not a ModelChoiceField: the view resolves it through the actor's scope so
    # that a unit outside it answers 404 like a missing one.
    new_parent = forms.IntegerField(label=_("New parent unit"), widget=forms.Select)

    def __init__(self, *args, candidates: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].widget.choices = [("", "---------"), *candidates]


class UnitCloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class AssignForm(forms.Form):
    staff = forms.IntegerField(label=_("Staff member"), widget=forms.Select)
    role = forms.ChoiceField(label=_("Role"), choices=AssignmentRole.choices)
    start_date = forms.DateField(label=_("From"), widget=DateInput)
    end_date = forms.DateField(
        label=_("Until"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty while the responsibility lasts."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, unit: OrgUnit, staff_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].widget.choices = [("", "---------"), *staff_choices]
        self.fields["staff"].widget.attrs["id"] = "id_staff"
        self.fields["role"].initial = DEFAULT_ROLE_FOR_LEVEL.get(unit.level, "")
        self.fields["start_date"].initial = timezone.localdate()


class EndAssignmentForm(forms.Form):
    end_date = forms.DateField(
        label=_("Last day"), required=False, widget=DateInput, help_text=_("Leave empty to end it today.")
    )
