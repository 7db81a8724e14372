"""A grid worker's phone page: my households, who has not been visited, and a person's code."""

from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from wangge.core.access import scoped_view
from wangge.core.forms import paginate
from wangge.core.paging import bounded_count
from wangge.org.models import Level
from wangge.registry import selectors
from wangge.registry.models import Person, Visit
from wangge.registry.permissions import REGISTRY_EDIT, REGISTRY_VIEW
from wangge.registry.visits import services as visit_services

UNVISITED_DAYS = 30
SUMMARY_CAP = 20000


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
    members = (
        Person.objects.filter(household=OuterRef("pk"), is_active=True, merged_into__isnull=True)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_visit = Subquery(
        Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_at").values("visited_at")[:1]
    )
    households = selectors.households(scope)
    only_unvisited = request.GET.get("unvisited") == "1"
    if only_unvisited:
        households = households.annotate(last_visit=last_visit).filter(
            Q(last_visit__isnull=True) | Q(last_visit__lt=since)
        )
    # Grid by grid (one grid: the same order as before), so that a village or an office opening
    # this page never sorts every household it holds; the figures of each row are then fetched
    # for the page's rows only.
    order = ("room__building__name", "room__unit_label", "room__number", "id")
    page = paginate(request, visit_services.by_path(scope, households, order))
    annotated = {
        h.pk: h
        for h in selectors.households(scope)
        .filter(pk__in=[h.pk for h in page.object_list])
        .annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            last_visit=last_visit,
            head_phone=Subquery(head_phone),
        )
    }
    page.object_list = [annotated[h.pk] for h in page.object_list if h.pk in annotated]
    for household in page:
        household.unvisited = household.last_visit is None or household.last_visit < since
    # The figures are counted up to a cap: exact for a grid or a village, "more than" above.
    total, total_capped = bounded_count(selectors.households(scope), SUMMARY_CAP)
    unvisited_count: int | None = None
    unvisited_capped = False
    if scope.root is None or scope.root.level >= Level.VILLAGE:
        # Above a village this is a report (the unvisited list), not a figure for a phone page.
        unvisited_count, unvisited_capped = bounded_count(
            selectors.households(scope).exclude(
                pk__in=Visit.objects.filter(visited_at__gte=since, household__isnull=False).values(
                    "household_id"
                )
            ),
            SUMMARY_CAP,
        )
    people, people_capped = bounded_count(selectors.people(scope), SUMMARY_CAP)
    context = {
        "page": page,
        "days": days,
        "only_unvisited": only_unvisited,
        "total": total,
        "total_capped": total_capped,
        "unvisited_count": unvisited_count,
        "unvisited_capped": unvisited_capped,
        "people": people,
        "can_edit": request.user.can(REGISTRY_EDIT),
        "people_capped": people_capped,
    }
    return render(request, "registry/my_grid.html", context)
