"""Small helpers for the roster and audit templates."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

register = template.Library()


@register.filter
def unit_url(unit) -> str:
    """The page of an org unit: the tree's unit page when there is one, else the roster of the unit.
    The target page checks the scope itself; this only builds a link."""
    if unit is None:
        return ""
    for name in ("org:unit_detail", "org:unit"):
        try:
            return reverse(name, kwargs={"unit_id": unit.pk})
        except NoReverseMatch:
            continue
    return reverse("roster:staff_list") + "?" + urlencode({"unit": unit.pk})
