"""Pages of checklists: the current version of each kind, and one version with its items."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from wangge.core.access import get_or_404, scoped_view
from wangge.inspections.checklists import selectors
from wangge.inspections.models import ChecklistTemplate
from wangge.inspections.permissions import INSPECTIONS_VIEW


@require_GET
@scoped_view(INSPECTIONS_VIEW)
def checklists(request):
    return render(request, "inspections/checklists.html", {"templates": list(selectors.current_templates())})


@require_GET
@scoped_view(INSPECTIONS_VIEW)
def checklist(request):
    """One kind's checklist (?kind=<code>), the current version or ?version=N. Checklists are the
    district's common data (not under a unit), so they are found by kind, not by a record id."""
    qs = ChecklistTemplate.objects.select_related("kind").filter(kind__code=request.GET.get("kind", ""))
    version = request.GET.get("version", "")
    t = get_or_404(qs, version=version) if version.isdigit() else get_or_404(qs, is_current=True)
    return render(
        request,
        "inspections/checklist.html",
        {"template": t, "items": list(t.items.all()), "versions": list(selectors.versions_of(t.kind_id))},
    )
