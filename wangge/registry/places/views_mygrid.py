"""A grid worker's phone page: my households, who has not been visited, and a person's code."""

from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from wangge.core.access import scoped_view
from wangge.core.forms import paginate
from wangge.registry import selectors
from wangge.registry.models import Person, Visit
from wangge.registry.permissions import REGISTRY_EDIT, REGISTRY_VIEW

UNVISITED_DAYS = 30


@scoped_view(REGISTRY_VIEW)
@require_GET
def my_grid(request):
    scope = request.scope
    if scope.is_empty:
        return render(request, "org/no_jurisdiction.html")
    try:
        days = max(1, min(365, int(request.GET.get("days", UNVISITED_DAYS))))
    except ValueError:
        days = UNVISITED_DAYS
    since = timezone.now() - timedelta(days=days)
    head_phone = Person.objects.filter(pk=OuterRef("head_id")).values("phone")[:1]
    households = (
        selectors.households(scope)
        .annotate(
            member_count=Count("members", filter=Q(members__is_active=True)),
            last_visit=Subquery(
                Visit.objects.filter(household=OuterRef("pk"))
                .order_by("-visited_at")
                .values("visited_at")[:1]
            ),
            head_phone=Subquery(head_phone),
        )
        .order_by("room__building__name", "room__unit_label", "room__number", "id")
    )
    only_unvisited = request.GET.get("unvisited") == "1"
    if only_unvisited:
        households = households.filter(Q(last_visit__isnull=True) | Q(last_visit__lt=since))
    page = paginate(request, households)
    for household in page:
        household.unvisited = household.last_visit is None or household.last_visit < since
    totals = selectors.households(scope).aggregate(
        total=Count("id"),
        visited=Count(
            "id", filter=Q(pk__in=Visit.objects.filter(visited_at__gte=since).values("household_id"))
        ),
    )
    people = selectors.people(scope).count()
    context = {
        "page": page,
        "days": days,
        "only_unvisited": only_unvisited,
        "total": totals["total"],
        "unvisited_count": totals["total"] - totals["visited"],
        "people": people,
        "can_edit": request.user.can(REGISTRY_EDIT),
    }
    return render(request, "registry/my_grid.html", context)
