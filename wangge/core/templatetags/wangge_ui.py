"""Small template helpers shared by the pages: personal numbers masked by role, pagination links."""

from typing import Any

from django import template

from wangge.core import masking

register = template.Library()


def _viewer(context) -> Any:
    return getattr(context.get("request"), "user", None)


@register.simple_tag(takes_context=True)
def contact_phone(context, phone: str) -> str:
    """A roster phone: in full for roles allowed to see contacts, masked for everyone else."""
    return masking.shown(_viewer(context), masking.PHONE, phone, "roster.")


@register.simple_tag(takes_context=True)
def phone(context, value: str, model: str = "") -> str:
    """A phone as the viewer may see it (the registry's rule unless a model label says otherwise)."""
    return masking.shown(_viewer(context), masking.PHONE, value, model)


@register.simple_tag(takes_context=True)
def id_number(context, value: str, model: str = "") -> str:
    """An ID number as the viewer may see it."""
    return masking.shown(_viewer(context), masking.ID, value, model)


@register.filter
def masked_id(value: str) -> str:
    """Always masked, whoever looks (lists forwarded in chat groups must not carry full numbers)."""
    return masking.mask_id(value)


@register.filter
def masked_phone(value: str) -> str:
    return masking.mask_phone(value)


@register.simple_tag(takes_context=True)
def page_url(context, number: int, param: str = "page") -> str:
    """The current URL's query string with one page parameter replaced."""
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()
