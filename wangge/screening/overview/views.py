"""The overview page (/screening/): the day's figure, a row per child unit (office → village →
grid) with links to drill down, people under measures by category and by kind, and a day-by-day trend of the last two weeks
(people under measures by kind, people screened).
`?unit=` outside the actor's scope answers 404 like a missing unit."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from wangge.core.access import scoped_view
from wangge.org.models import OrgUnit
from wangge.screening.overview import selectors as ov
from wangge.screening.permissions import SCREENING_VIEW

# Pages of the other parts the overview links to, when they exist.
LINKS = {
    "measures": ("screening:measures", ""),
    "records": ("screening:records", ""),
    "overdue_checks": ("screening:overdue", ""),
    "services": ("screening:services", ""),
    "escalations": ("screening:escalations", ""),
    "approvals": ("screening:measures", "?status=awaiting_approval"),
}


def _links() -> dict[str, str]:
    return {key: reverse(name) + query for key, (name, query) in LINKS.items()}


def _crumbs(scope, unit: OrgUnit) -> list[OrgUnit]:
    """From the actor's jurisdiction down to `unit`, in one query."""
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    units = scope.filter(OrgUnit.objects.filter(pk__in=ids))
    return sorted(units, key=lambda u: len(u.path))


@require_GET
@scoped_view(SCREENING_VIEW)
def overview_page(request):
    unit = ov.focus_unit(request.scope, request.GET.get("unit"))
    data = ov.overview(request.scope, unit)
    trend = ov.trend(request.scope, unit).as_dict()
    chart = {
        "days": trend["days"],
        "series": [
            {"kind": k, "name": str(ov.SHORT_KIND[k]), "values": trend["in_force"][k]} for k in ov.KINDS
        ],
        "screened": trend["screened"],
    }
    return render(
        request,
        "screening/overview.html",
        {
            "unit": unit,
            "data": data,
            "crumbs": _crumbs(request.scope, unit),
            "kinds": [(k, ov.SHORT_KIND[k]) for k in ov.KINDS],
            "chart": chart,
            "links": _links(),
        },
    )
