from django.shortcuts import render

from wangge.core.access import has_permission, scoped_view
from wangge.org import selectors as org_selectors
from wangge.org.models import Level
from wangge.org.permissions import ORG_VIEW

HOME_GAPS_SHOWN = 50


@scoped_view()
def home(request):
    """The actor's jurisdiction at a glance: counts, the units under it, who answers for it, the gaps."""
    scope = request.scope
    if scope.is_empty:
        return render(request, "core/home.html", {"no_jurisdiction": True})
    if not has_permission(request.user, ORG_VIEW):
        return render(request, "core/home.html", {"no_org_view": True})
    root = scope.root
    summary = org_selectors.tree_summary(scope, root, max_depth=1)
    grids = org_selectors.grids_without_leader(scope).select_related("parent", "parent__parent")
    gaps = [(grid, org_selectors.visible_location(scope, grid)) for grid in grids[:HOME_GAPS_SHOWN]]
    context = {
        "root": root,
        "summary": summary,
        "offices": summary.counts[Level.OFFICE],
        "show_offices": root.level == Level.DISTRICT or summary.counts[Level.OFFICE] > 0,
        "areas": summary.counts[Level.MANAGEMENT_AREA],
        "show_villages": any(child.villages for child in summary.children),
        "show_workstations": any(child.workstations for child in summary.children),
        "responsible": list(org_selectors.responsible_for(root)),
        "gaps": gaps,
        "gaps_more": summary.leaderless_grids > len(gaps),
    }
    return render(request, "core/home.html", context)
