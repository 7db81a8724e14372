"""Template helpers of the testing pages."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def testing_url(name: str, **kwargs) -> str:
    """The address of a testing page, or "" while that page does not exist (yet).

    A page that takes no round (such as the table picker) is linked with ?round=<id>."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        pass
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    round_id = kwargs.get("round_id")
    return f"{url}?round={round_id}" if round_id else url
