"""Forms of the rules pages: categories, risk areas (and their import), measure rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.screening.models import (
    Category,
    MeasureKind,
    MeasurePolicy,
    RiskArea,
    RiskLevel,
    TriggerKind,
)
from wangge.screening.rules import services as rules_admin


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = list(rules_admin.CATEGORY_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["code"].help_text = _("Letters, digits, - and _; made from the name when left empty.")

    def validate_unique(self):  # the service checks it and says so in its own words
        pass


class RiskAreaForm(forms.ModelForm):
    class Meta:
        model = RiskArea
        fields = list(rules_admin.RISK_AREA_FIELDS)
        widgets = {"valid_from": DateInput(), "valid_to": DateInput()}

    def validate_unique(self):
        pass

    def _post_clean(self):  # the service validates the whole row; the instance stays untouched
        pass


class EndForm(forms.Form):
    valid_to = forms.DateField(label=_("Last day in force"), widget=DateInput())


class AsOfForm(forms.Form):
    on = forms.DateField(label=_("As it stood on"), required=False, widget=DateInput())

    def on_date(self):
        if self.is_valid() and self.cleaned_data.get("on"):
            return self.cleaned_data["on"]
        return timezone.localdate()


class RiskAreaFilterForm(AsOfForm):
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *RiskLevel.choices]
    )
    province = forms.CharField(label=_("Province"), required=False, max_length=40)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "on": data.get("on") or timezone.localdate(),
            "level": data.get("level") or "",
            "province": (data.get("province") or "").strip(),
        }


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File (xlsx, xls or CSV in UTF-8 or GBK)"))


class ImportConfirmForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label=_("What to import"),
        choices=[
            ("valid_rows", _("Import the valid rows, leave the bad ones out")),
            ("all_or_nothing", _("All or nothing: import only when every row is valid")),
        ],
        initial="valid_rows",
        widget=forms.RadioSelect,
    )


PHASE_ROWS = rules_admin.MAX_PHASES


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    trigger = forms.ChoiceField(label=_("Applies to"), choices=TriggerKind.choices)
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.filter(is_active=True)
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), required=False, choices=[("", "—"), *RiskLevel.choices]
    )
    within_days = forms.IntegerField(
        label=_("Arrived within (days) of being in the area"), required=False, min_value=0, max_value=60
    )
    priority = forms.IntegerField(
        label=_("Priority (higher wins when several rules match)"), initial=0, min_value=0, max_value=1000
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())
    basis_reference = forms.CharField(
        label=_("Reference (the plan or notice this rule comes from)"), required=False, max_length=200
    )
    replaces = forms.ModelChoiceField(
        label=_("Replaces (ends the day before the new version starts)"),
        required=False,
        queryset=MeasurePolicy.objects.none(),
        help_text=_("Left empty, a rule of the same name still in force is replaced."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        from django.db.models import Q

        self.fields["replaces"].queryset = MeasurePolicy.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        ).order_by("name", "-valid_from")
        for n in range(1, PHASE_ROWS + 1):
            self.fields[f"phase{n}_kind"] = forms.ChoiceField(
                label=_("Phase %(n)d: measure") % {"n": n},
                required=n == 1,
                choices=[("", "—"), *MeasureKind.choices],
            )
            self.fields[f"phase{n}_days"] = forms.IntegerField(
                label=_("days"), required=n == 1, min_value=1, max_value=90
            )
            self.fields[f"phase{n}_test_days"] = forms.CharField(
                label=_("test on days (e.g. 1,2,3,5,7)"), required=False, max_length=100
            )
            self.fields[f"phase{n}_checks"] = forms.IntegerField(
                label=_("health checks per day"), required=False, min_value=0, max_value=6, initial=2
            )

    def phase_rows(self):
        return [
            [
                self[f"phase{n}_kind"],
                self[f"phase{n}_days"],
                self[f"phase{n}_test_days"],
                self[f"phase{n}_checks"],
            ]
            for n in range(1, PHASE_ROWS + 1)
        ]

    def main_fields(self):
        return [f for f in self if not f.name.startswith("phase")]

    def clean(self):
        data = super().clean()
        for n in range(1, PHASE_ROWS + 1):
            if data.get(f"phase{n}_kind") and not data.get(f"phase{n}_days"):
                self.add_error(f"phase{n}_days", _("Give the length of this phase."))
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        phases = []
        for n in range(1, PHASE_ROWS + 1):
            if d.get(f"phase{n}_kind"):
                checks = d.get(f"phase{n}_checks")
                phases.append(
                    rules_admin.PhaseInput(
                        kind=d[f"phase{n}_kind"],
                        days=d[f"phase{n}_days"],
                        test_days=d.get(f"phase{n}_test_days") or "",
                        checks_per_day=2 if checks is None else checks,
                    )
                )
        return {
            "name": d["name"],
            "trigger": d["trigger"],
            "category": d.get("category"),
            "risk_level": d.get("risk_level") or "",
            "within_days": d.get("within_days"),
            "priority": d.get("priority") or 0,
            "valid_from": d["valid_from"],
            "valid_to": d.get("valid_to"),
            "basis_reference": d.get("basis_reference") or "",
            "replaces": d.get("replaces"),
            "phases": phases,
        }
