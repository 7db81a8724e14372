"""Forms of the measure pages. The work is done by wangge.screening.measures.services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import DateInput
from wangge.screening.models import BasisKind, MeasureKind, MeasureStatus, ServiceKind, TestOutcome


def parse_days(text: str) -> list[int]:
    try:
        return sorted(
            {int(p) for p in (text or "").replace("，", ",").replace(" ", ",").split(",") if p.strip()}
        )
    except ValueError as exc:
        raise forms.ValidationError(_("Test days are numbers separated by commas, e.g. 1,4,7.")) from exc


class MeasureFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("open", _("Open (proposed, awaiting approval, in force)")),
        ("proposed", MeasureStatus.PROPOSED.label),
        ("awaiting_approval", MeasureStatus.AWAITING_APPROVAL.label),
        ("active", MeasureStatus.ACTIVE.label),
        ("release_due", _("Last day reached: to release")),
        ("released", MeasureStatus.RELEASED.label),
        ("rejected", MeasureStatus.REJECTED.label),
        ("cancelled", MeasureStatus.CANCELLED.label),
        ("handed_over", MeasureStatus.HANDED_OVER.label),
        ("all", _("All")),
    ]
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    kind = forms.ChoiceField(
        label=_("Measure"), choices=[("", _("Any"))] + MeasureKind.choices, required=False
    )
    q = forms.CharField(label=_("Name or last digits of the ID"), required=False, max_length=40)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class DecideForm(NoteForm):
    place = forms.CharField(
        label=_("Where (quarantine hotel or home address)"), required=False, max_length=200
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class HandOverForm(forms.Form):
    destination = forms.CharField(
        label=_("Handed over to (place and office taking the measure on)"),
        max_length=200,
        help_text=_("For example: 上海市浦东新区 花木街道, by letter of assistance 协查函 2022-118."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class TestResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=[(v, label) for v, label in TestOutcome.choices if v]
    )
    lab = forms.CharField(label=_("Lab"), required=False, max_length=100)


MANUAL_BASES = [(v, label) for v, label in BasisKind.choices if v != BasisKind.RULE]


class ManualMeasureForm(forms.Form):
    """A measure proposed by hand: its basis is a contact, a positive tube or an order."""

    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput(), initial=timezone.localdate)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=60, initial=7)
    test_days = forms.CharField(label=_("Test on days"), initial="1,4,7", max_length=60)
    checks_per_day = forms.IntegerField(label=_("Health checks per day"), min_value=1, max_value=4, initial=2)
    basis_kind = forms.ChoiceField(label=_("Basis"), choices=MANUAL_BASES)
    contact_of = forms.CharField(label=_("Contact of (case)"), required=False, max_length=200)
    tube = forms.CharField(label=_("Positive tube barcode"), required=False, max_length=40)
    order_ref = forms.CharField(label=_("Order reference"), required=False, max_length=100)
    basis_text = forms.CharField(label=_("Basis in words"), widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.CharField(
        label=_("Where (quarantine hotel or home address)"), required=False, max_length=200
    )

    def clean_test_days(self):
        return parse_days(self.cleaned_data["test_days"])

    def facts(self) -> dict:
        d = self.cleaned_data
        return {"contact_of": d.get("contact_of"), "tube": d.get("tube"), "order_ref": d.get("order_ref")}


class BulkOrderForm(ManualMeasureForm):
    name = forms.CharField(label=_("Name of the order"), max_length=200)
    building = forms.ModelChoiceField(label=_("Everyone living in a building"), queryset=None, required=False)
    id_numbers = forms.CharField(
        label=_("Or ID numbers, one per line"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    field_order = ["name", "building", "id_numbers"]

    def __init__(self, *args, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings
        del self.fields["place"]

    def clean(self):
        data = super().clean()
        if not data.get("building") and not (data.get("id_numbers") or "").strip():
            raise forms.ValidationError(_("Choose a building or give ID numbers."))
        return data


class ApproveOrderForm(NoteForm):
    confirm_count = forms.IntegerField(label=_("Number of people (type it to confirm)"), min_value=0)


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Personal code"),
        max_length=120,
        help_text=_(
            "The 12 characters under the QR code on your card, such as 7KQ4-M2XD-9P3C; or scan the QR."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "mono",
            }
        ),
    )
    id_tail = forms.CharField(
        label=_("Last 4 characters of your ID number"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


class PersonServiceForm(forms.Form):
    """A service asked for by the person under the measure (on their own look-up page)."""

    kind = forms.ChoiceField(label=_("What do you need?"), choices=ServiceKind.choices)
    detail = forms.CharField(label=_("Details"), required=False, max_length=300)
    client_id = forms.UUIDField(widget=forms.HiddenInput)
