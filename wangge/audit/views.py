"""The audit log pages: who changed (or opened) what, when, through which channel.

Rows are scoped by the path of the record they are about, like everything else.
"""

from urllib.parse import urlparse

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.audit import display, selectors, services
from wangge.audit.forms import EventFilterForm
from wangge.audit.permissions import AUDIT_VIEW
from wangge.core import masking
from wangge.core import reveal as reveal_store
from wangge.core.access import scoped_view
from wangge.core.forms import paginate


@scoped_view(AUDIT_VIEW)
def event_list(request):
    scope = request.scope
    form = EventFilterForm(request.GET, scope=scope)
    filters = form.filters()
    page = paginate(request, selectors.events(scope, **filters))
    context = {
        "form": form,
        "page_obj": page,
        "rows": display.rows(scope, page.object_list, viewer=request.user),
        "filtered": any(filters.values()),
    }
    htmx = getattr(request, "htmx", None)
    template = (
        "audit/_event_table.html" if htmx and htmx.target == "audit-results" else "audit/event_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@scoped_view(AUDIT_VIEW)
def event_detail(request, event_id: int):
    scope = request.scope
    event = selectors.get_event(scope, event_id)
    names = display.reference_names(scope, [event])
    context = {
        "event": event,
        "model_label": display.event_label(event),
        "event_repr": display.event_repr(event),
        "channel_label": display.channel_label(event.channel),
        "url": display.object_url(event),
        "fields": display.changes(event, viewer=request.user, names=names, all_fields=True),
        "has_before": event.before is not None,
        "has_after": event.after is not None,
    }
    return render(request, "audit/event_detail.html", context)


@require_POST
@scoped_view()
def reveal(request):
    """One full number of a page the viewer saw, for a role that may see it, audited first."""
    item = reveal_store.take(request.user, request.POST.get("t", ""))
    if item is None:
        return HttpResponse(
            format_html('<span class="muted">{}</span>', _("Reload the page to show this number.")),
            status=410,
        )
    if not masking.may_reveal(request.user, item.kind, item.model):
        return HttpResponse(status=403)
    masked = masking.mask(item.kind, item.value)
    services.record_reveal(actor=request.user, kind=item.kind, model=item.model, masked=masked,
                           page=urlparse(request.headers.get("Referer", "")).path[:200])  # fmt: skip
    if item.kind == masking.PHONE:
        return HttpResponse(format_html('<a class="revealed" href="tel:{0}">{0}</a>', item.value))
    return HttpResponse(format_html('<span class="revealed">{}</span>', item.value))


class _DialRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@require_POST
@scoped_view()
def call(request):
    """The call button of a list row: dials a number the page only showed masked. Calling reveals
    the number to the caller's phone, so it is audited like pressing "show" first."""
    item = reveal_store.take(request.user, request.POST.get("t", ""))
    if item is None or item.kind != masking.PHONE:
        return HttpResponse(_("Reload the page to call this number."), status=410)
    if not masking.may_reveal(request.user, item.kind, item.model):
        return HttpResponse(status=403)
    services.record_reveal(actor=request.user, kind=item.kind, model=item.model,
                           masked=masking.mask(item.kind, item.value),
                           page=urlparse(request.headers.get("Referer", "")).path[:200])  # fmt: skip
    return _DialRedirect("tel:" + "".join(c for c in item.value if c.isdigit() or c == "+"))
