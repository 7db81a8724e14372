"""Small template helpers shared by the pages: phone masking and pagination links."""

from django import template

from wangge.accounts.permissions import ROSTER_VIEW_CONTACT
from wangge.core.access import has_permission
from wangge.roster.selectors import mask_phone

register = template.Library()


@register.simple_tag(takes_context=True)
def contact_phone(context, phone: str) -> str:
    """The phone number in full for roles allowed to see contacts, masked for everyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if has_permission(user, ROSTER_VIEW_CONTACT):
        return phone or ""
    return mask_phone(phone or "")


@register.simple_tag(takes_context=True)
def page_url(context, number: int, param: str = "page") -> str:
    """The current URL's query string with one page parameter replaced."""
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()
