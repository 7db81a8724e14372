"""Template helpers for screening pages: ID numbers and phones shown in full only to roles that
need them (the kernel's masking rules), masked for everyone else."""

from django import template

from wangge.core import masking

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def id_number(context, number: str) -> str:
    return masking.shown(_user(context), masking.ID, number)


@register.simple_tag(takes_context=True)
def person_phone(context, phone: str) -> str:
    return masking.shown(_user(context), masking.PHONE, phone)
