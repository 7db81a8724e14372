"""Forms of screening intake: the public self-report, the door-to-door / checkpoint report,
placing a self-report, importing a 协查 list, and the records list's filters."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.org.models import Level, OrgUnit
from wangge.registry.models import IdType
from wangge.screening.models import Category, RiskLevel, ScreeningSource, ScreeningStatus

SCREEN_SOURCES = [
    (ScreeningSource.DOOR_TO_DOOR, ScreeningSource.DOOR_TO_DOOR.label),
    (ScreeningSource.CHECKPOINT, ScreeningSource.CHECKPOINT.label),
    (ScreeningSource.MANUAL, ScreeningSource.MANUAL.label),
]


def open_villages_by_office() -> list:
    """Open villages and communities grouped by office (unit names are public)."""
    villages = (
        OrgUnit.objects.filter(level=Level.VILLAGE, closed_at__isnull=True)
        .select_related("parent")
        .order_by("parent__code", "code")
    )
    groups: dict[str, list] = {}
    for v in villages:
        office = v.parent.name if v.parent_id else ""
        groups.setdefault(office, []).append((str(v.pk), v.name))
    return [("", _("Choose…")), *groups.items()]


class SelfReportForm(forms.Form):
    request_key = forms.UUIDField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=60)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=32)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    came_from = forms.CharField(
        label=_("Where you came from"),
        max_length=200,
        help_text=_("Province, city and district, e.g. 北京市朝阳区望京街道."),
    )
    arrival_date = forms.DateField(label=_("Arrival date"), widget=DateInput())
    village = forms.ChoiceField(label=_("Village or community where you stay"))
    address = forms.CharField(label=_("Address in the district"), max_length=250)
    pledge = forms.BooleanField(
        label=_(
            "I promise that what I have filled in is true; false reports are handled according to the law."
        ),
        required=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = open_villages_by_office()
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4())

    def clean_village(self):
        value = self.cleaned_data["village"]
        village = OrgUnit.objects.filter(pk=value, level=Level.VILLAGE, closed_at__isnull=True).first()
        if village is None:
            raise forms.ValidationError(_("Choose your village or community."))
        return village

    def clean_arrival_date(self):
        value = self.cleaned_data["arrival_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The arrival date is in the future."))
        return value


class ScreenForm(forms.Form):
    """One person screened at the door or a checkpoint: phone-first, few fields required."""

    source = forms.ChoiceField(
        label=_("Source"), choices=SCREEN_SOURCES, initial=ScreeningSource.DOOR_TO_DOOR
    )
    name = forms.CharField(label=_("Name"), max_length=60)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=32)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    came_from = forms.CharField(label=_("Came from"), max_length=200, required=False)
    left_area_on = forms.DateField(label=_("Left that area on"), required=False, widget=DateInput())
    arrival_date = forms.DateField(label=_("Arrival date"), required=False, widget=DateInput())
    address = forms.CharField(label=_("Address in the district"), max_length=250, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False
    )
    contact_of = forms.CharField(label=_("Contact of (case or tube)"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    grid = forms.ModelChoiceField(
        label=_("Grid"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("Needed only when the person is not in the registry yet."),
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = scope.filter(
            OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True)
        ).order_by("code")


class PlaceForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, scope, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = scope.filter(
            OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True, path__startswith=village.path)
        ).order_by("code")


class ImportForm(forms.Form):
    name = forms.CharField(label=_("Name of the list"), max_length=200)
    reference = forms.CharField(label=_("Reference (协查函 number)"), max_length=100, required=False)
    file = forms.FileField(label=_("File (xlsx, xls or CSV)"))
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=100,
        help_text=_(
            "For a workbook of several sheets: the sheet's name or number (0 is the first). Empty: the first sheet with a recognised header."
        ),
    )


class RecordFilterForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    risk_level = forms.ChoiceField(label=_("Risk level"), required=False)
    date = forms.DateField(label=_("Screened on"), required=False, widget=DateInput())
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["source"].choices = every + list(ScreeningSource.choices)
        self.fields["status"].choices = every + list(ScreeningStatus.choices)
        self.fields["risk_level"].choices = every + list(RiskLevel.choices)
        self.fields["grid"].queryset = scope.filter(OrgUnit.objects.filter(level=Level.GRID)).order_by("code")
