"""The checklist editor: one form per item (a formset), blank rows to add items, a box to remove
one; the whole list is published as a new version (publish_version)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.inspections.checklists.services import ItemSpec
from wangge.inspections.models import DataCheck


class ChecklistItemForm(forms.Form):
    section = forms.CharField(label=pgettext_lazy("checklist", "Section"), max_length=60, required=False)
    text = forms.CharField(label=pgettext_lazy("checklist", "Item"), max_length=200, required=False)
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=100, initial=10)
    critical = forms.BooleanField(label=_("Critical"), required=False)
    photo_on_fail = forms.BooleanField(label=_("Photo required on failure"), required=False)
    note_on_fail = forms.BooleanField(label=_("Note required on failure"), required=False, initial=True)
    data_check = forms.ChoiceField(
        label=_("Data check"), choices=[("", "—"), *DataCheck.choices], required=False
    )
    check_days = forms.IntegerField(label=_("Days checked"), min_value=1, max_value=90, initial=7)
    on_patrol = forms.BooleanField(label=_("On a joint patrol's short check"), required=False)
    problem = forms.CharField(label=_("Problem when failed"), max_length=60, required=False)
    problem_en = forms.CharField(max_length=120, required=False, widget=forms.HiddenInput)
    remove = forms.BooleanField(label=_("Remove"), required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("remove"):
            has_text, has_section = bool(data.get("text", "").strip()), bool(data.get("section", "").strip())
            if has_text != has_section:
                raise forms.ValidationError(_("Each item needs a section and a text."))
        return data

    def spec(self) -> ItemSpec | None:
        """The item, or None for a blank row or a removed one."""
        d = self.cleaned_data
        if d.get("remove") or not d.get("text", "").strip():
            return None
        return ItemSpec(
            section=d["section"], text=d["text"], points=d["points"], critical=d["critical"],
            photo_on_fail=d["photo_on_fail"], note_on_fail=d["note_on_fail"],
            data_check=d["data_check"], check_days=d["check_days"], on_patrol=d["on_patrol"],
            problem=d["problem"],
            problem_en=d.get("problem_en", ""),
        )  # fmt: skip


ChecklistItemFormSet = forms.formset_factory(ChecklistItemForm, extra=3, max_num=100, absolute_max=120)


class PublishForm(forms.Form):
    note = forms.CharField(label=_("What changed"), max_length=250, required=False)
    # The version the editor started from: a version published meanwhile is not overwritten blindly.
    base_version = forms.IntegerField(widget=forms.HiddenInput)
