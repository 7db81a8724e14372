"""Small template helpers shared by the pages: personal numbers masked for everyone and revealed
on demand by roles that may (see core/reveal.py), pagination links."""

from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wangge.core import masking, reveal

register = template.Library()


def _viewer(context) -> Any:
    return getattr(context.get("request"), "user", None)


def _masked_with_reveal(context, kind: str, value: str, model: str) -> str:
    """Masked for everyone; with a "show" button where the viewer's role may see it in full."""
    if not value:
        return ""
    masked = masking.mask(kind, value)
    request = context.get("request")
    viewer = _viewer(context)
    if request is None or not masking.may_reveal(viewer, kind, model):
        return masked
    token = reveal.offer(request, kind, value, model)
    return format_html(
        '<span class="revealable">{}<button type="button" class="link reveal btn btn-link btn-sm p-0 align-baseline" hx-post="{}" '
        'hx-vals=\'{{"t": "{}"}}\' hx-target="closest .revealable" hx-swap="outerHTML" '
        'title="{}">{}</button></span>',
        masked,
        reverse("audit:reveal"),
        token,
        _("Show this number in full (recorded in the audit log)"),
        _("show"),
    )


@register.simple_tag(takes_context=True)
def contact_phone(context, phone: str) -> str:
    """A roster phone: masked; roles allowed to see contacts may reveal it, one at a time."""
    return _masked_with_reveal(context, masking.PHONE, phone, "roster.")


@register.simple_tag(takes_context=True)
def phone(context, value: str, model: str = "") -> str:
    """A phone, masked; a role allowed to see it in full reveals it (the registry's rule unless
    a model label says otherwise)."""
    return _masked_with_reveal(context, masking.PHONE, value, model)


@register.simple_tag(takes_context=True)
def id_number(context, value: str, model: str = "") -> str:
    """An ID number, masked; a role allowed to see it in full reveals it, one at a time."""
    return _masked_with_reveal(context, masking.ID, value, model)


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


@register.filter
def unit_number(value: str) -> str:
    """A stored unit label without the word 单元 ('2单元' → '2'): the phrase around it adds the
    word in the reader's language ("unit 2", "2单元"), so it is never said twice."""
    text = (value or "").strip()
    return text.removesuffix("单元").strip()


@register.simple_tag(takes_context=True)
def call_button(context, value: str, model: str = "") -> str:
    """A row's "call" action: a button that dials the number without the page ever holding it
    (the server audits the call and answers with the tel: link). Nothing for a role that may not
    see the number, or when there is none."""
    request = context.get("request")
    if not value or request is None or not masking.may_reveal(_viewer(context), masking.PHONE, model):
        return ""
    token = reveal.offer(request, masking.PHONE, value, model)
    return format_html(
        '<form method="post" action="{}" class="inline call" data-testid="call">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="t" value="{}">'
        '<button type="submit" class="secondary small" title="{}">{}</button></form>',
        reverse("audit:call"),
        get_token(request),
        token,
        _("Call (recorded in the audit log)"),
        pgettext("phone", "Call"),
    )


@register.simple_tag
def repeated_names(items, attr: str = "name") -> set:
    """The names that occur more than once in a list (a page of buildings: every village has its
    1号楼), so the rows that share one can say what tells them apart."""
    seen: set = set()
    repeated: set = set()
    for item in items:
        name = item
        for part in attr.split("."):  # "room.building.grid.name"
            name = getattr(name, part, None)
        if name in seen:
            repeated.add(name)
        seen.add(name)
    return repeated
