"""Bootstrap's form classes, set once for every form of the site (settings.FORM_RENDERER).

Each field's widget gets the class Bootstrap styles it by (`form-control`, `form-select`,
`form-check-input`, `form-range`), its label `form-label` (or `form-check-label`), and `is-invalid`
when the field has errors; a field's group gets `mb-3`, and a checkbox is drawn box first, label
after (templates/forms/field_check.html). Templates that lay out fields by hand
(`{{ field.label_tag }}{{ field }}`) get the same classes. A widget's own classes are kept.
"""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input


def widget_class(widget: forms.Widget) -> str:
    if widget.is_hidden:
        return ""
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    if isinstance(widget, Input) and getattr(widget, "input_type", "") == "range":
        return "form-range"
    if isinstance(widget, Input | forms.Textarea):
        return "form-control"
    return ""


def _join(*classes: str | None) -> str:
    seen: list[str] = []
    for group in classes:
        for name in (group or "").split():
            if name not in seen:
                seen.append(name)
    return " ".join(seen)


class BootstrapBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        extra = widget_class(widget)
        if extra:
            invalid = "is-invalid" if self.errors else ""
            attrs["class"] = _join(widget.attrs.get("class"), attrs.get("class"), extra, invalid)
        return attrs

    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        attrs = dict(attrs or {})
        check = isinstance(self.field.widget, forms.CheckboxInput)
        attrs["class"] = _join(attrs.get("class"), "form-check-label" if check else "form-label")
        return super().label_tag(contents, attrs, label_suffix, tag)

    def css_classes(self, extra_classes=None):
        return _join(super().css_classes(extra_classes), "mb-3")

    @property
    def template_name(self):
        if not getattr(self.field, "template_name", None) and isinstance(
            self.field.widget, forms.CheckboxInput
        ):
            return "forms/field_check.html"
        return super().template_name


class BootstrapRenderer(TemplatesSetting):
    """The project's template engine (Django's own form templates come from `django.forms` in
    INSTALLED_APPS), with Bootstrap's classes on every bound field."""

    bound_field_class = BootstrapBoundField
