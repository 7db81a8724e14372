"""The audit log pages: who changed (or opened) what, when, through which channel.

Rows are scoped by the path of the record they are about, like everything else.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from wangge.audit import display, selectors
from wangge.audit.forms import EventFilterForm
from wangge.audit.permissions import AUDIT_VIEW
from wangge.core.access import scoped_view


@scoped_view(AUDIT_VIEW)
def event_list(request):
    scope = request.scope
    form = EventFilterForm(request.GET, scope=scope)
    filters = form.filters()
    page = Paginator(selectors.events(scope, **filters), settings.WANGGE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
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
        "model_label": display.model_label(event.model),
        "channel_label": display.channel_label(event.channel),
        "url": display.object_url(event),
        "fields": display.changes(event, viewer=request.user, names=names, all_fields=True),
        "has_before": event.before is not None,
        "has_after": event.after is not None,
    }
    return render(request, "audit/event_detail.html", context)
