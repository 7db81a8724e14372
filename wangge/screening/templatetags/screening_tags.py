"""Template helpers for screening pages: ID numbers and phones shown in full only to roles that
need them (the registry's permissions), masked for everyone else."""

from django import template

from wangge.core.access import has_permission
from wangge.core.masking import mask_id, mask_phone
from wangge.registry.permissions import REGISTRY_VIEW_IDS, REGISTRY_VIEW_PHONES

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def id_number(context, number: str) -> str:
    return (number or "") if has_permission(_user(context), REGISTRY_VIEW_IDS) else mask_id(number or "")


@register.simple_tag(takes_context=True)
def person_phone(context, phone: str) -> str:
    return (phone or "") if has_permission(_user(context), REGISTRY_VIEW_PHONES) else mask_phone(phone or "")
