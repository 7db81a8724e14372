"""Pages at the sampling table: choosing a table, the registrar's phone page, and the tubes.

The phone page itself is a shell: its script (static/wangge/table.js) keeps every scan in a
queue on the phone and sends it to the check-in API (api_checkin.py), so nothing is lost when
the network drops. The tube pages read through the actor's scope (a tube carries its site's
path; a sample its person's path) and change tubes only through wangge.testing.checkin.services.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from wangge.core.access import scoped_view
from wangge.core.forms import paginate
from wangge.core.offline import offline_page
from wangge.org.models import Level, OrgUnit
from wangge.registry.models import IdType
from wangge.testing.checkin import services as checkin
from wangge.testing.models import POOL_SIZES, RoundStatus, Sample, Site, Tube, TubeStatus
from wangge.testing.permissions import TESTING_REGISTER, TESTING_VIEW
from wangge.testing.rounds import selectors

API_PREFIX = "/api/v1/testing"


def _table_no(site: Site, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return 1 if site.tables <= 1 else None
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 1 <= number <= max(site.tables, 1):
        raise Http404
    return number


def _walk_in_grids(scope, site: Site) -> list[OrgUnit]:
    """The grids a walk-in at this site may be put in: the ones it serves, inside the scope."""
    ids = set(site.grids.values_list("pk", flat=True))
    if site.unit.level == Level.GRID:
        ids.add(site.unit_id)
    return list(scope.filter(OrgUnit.objects.filter(pk__in=ids, closed_at__isnull=True)).order_by("path"))


@require_GET
@offline_page
@scoped_view(TESTING_REGISTER)
def table_pick(request):
    """Choose where you sit: an open round's site in your area, and a table."""
    sites = list(
        selectors.sites(request.scope)
        .filter(round__status=RoundStatus.OPEN)
        .order_by("round__starts_at", "round_id", "path", "name", "id")
    )
    for site in sites:
        site.table_numbers = list(range(1, max(site.tables, 1) + 1))
    return render(request, "testing/table/pick.html", {"sites": sites})


@require_GET
@offline_page
@scoped_view(TESTING_REGISTER)
def table(request, site_id: int):
    """The registrar's phone page: tube, then people, offline-safe (see static/wangge/table.js)."""
    scope = request.scope
    site = selectors.get_site(scope, site_id)
    table_no = _table_no(site, request.GET.get("table"))
    if table_no is None:
        return redirect(reverse("testing:table_pick"))
    rnd = site.round
    pool_size = site.pool_size or rnd.default_pool_size
    base = f"{API_PREFIX}/sites/{site.pk}"
    context = {
        "site": site,
        "round": rnd,
        "table_no": table_no,
        "is_open": rnd.status == RoundStatus.OPEN,
        "pool_sizes": POOL_SIZES,
        "pool_size": pool_size,
        "grids": _walk_in_grids(scope, site),
        "id_types": IdType.choices,
        "upload_url": f"{base}/upload",
        "tubes_url": f"{base}/tubes?table_no={table_no}",
        # v2: actions carry the time they were queued; the page carries over a v1 queue.
        "storage_key": f"wangge.table.v2.{site.pk}.{table_no}",
        "legacy_storage_keys": f"wangge.table.v1.{site.pk}.{table_no}",
        "tube_list_url": reverse("testing:tubes", kwargs={"site_id": site.pk}) + f"?table={table_no}",
        "strings": _strings(),
    }
    return render(request, "testing/table/table.html", context)


def _strings() -> dict:
    """What the page's script says, translated on the server (the script has no catalogue)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: scans are kept on this phone"),
        "unreachable": _("Server not reachable: scans are kept on this phone"),
        "login": _("Your session has ended: log in again to send the scans"),
        "waiting_since": _("%(n)s waiting to send, oldest %(t)s"),
        "queue_kinds": _("Waiting: %(scans)s scans, %(removals)s removals, %(seals)s tube seals or openings"),
        "all_sent": _("Everything sent"),
        "places": _("Places left: %(left)s of %(n)s"),
        "no_tube": _("Scan or type the tube's barcode first."),
        "tube_opened": _("Tube %(t)s open: scan the people."),
        "tube_full": _("Tube %(t)s is full: seal it and open the next."),
        "full_local": _("This tube is full: seal it and open the next before scanning more people."),
        "queued": _("Queued (will be checked when online)"),
        "accepted": _("Accepted"),
        "duplicate": _("Already received"),
        "refused": pgettext("check-in outcome", "Refused"),
        "removed": _("Taken out of the tube"),
        "sealed": _("Tube %(t)s sealed."),
        "same_person": _("This person is already in this tube."),
        "no_person": _("Scan the personal code or type the ID number."),
        "reason_needed": _("Say why this person is taken out of the tube."),
        "walk_in_needed": _("Name and ID number are needed."),
        "personal_code": _("Personal code"),
        "remove": _("Take out"),
        "dismiss": _("Seen"),
        "retest_tube": _("re-test tube"),
        "seal_empty": _("Nothing in this tube yet."),
        "camera_missing": _("The scanner could not load. Type the code or ID number instead."),
        "camera_failed": _("The camera is not available here. Type the code or ID number instead."),
        "server_error": _("The server refused the batch: %(m)s"),
        "still_open": _("Tube %(t)s is still open with %(k)s people. Seal it before opening tube %(new)s?"),
    }


def _filters(request, site: Site) -> dict:
    table_raw = request.GET.get("table", "")
    status = request.GET.get("status", "")
    return {
        "table": int(table_raw)
        if table_raw.isdigit() and 1 <= int(table_raw) <= max(site.tables, 1)
        else None,
        "status": status if status in TubeStatus.values else "",
    }


@require_GET
@scoped_view(TESTING_VIEW)
def tube_list(request, site_id: int):
    scope = request.scope
    site = selectors.get_site(scope, site_id)
    f = _filters(request, site)
    qs = scope.filter(Tube.objects.filter(site=site).select_related("box"))
    if f["table"]:
        qs = qs.filter(table_no=f["table"])
    if f["status"]:
        qs = qs.filter(status=f["status"])
    page = paginate(request, qs.order_by("-opened_at", "-id"))
    context = {
        "site": site,
        "page_obj": page,
        "f": f,
        "tables": list(range(1, max(site.tables, 1) + 1)),
        "statuses": TubeStatus.choices,
        "can_register": request.user.can(TESTING_REGISTER) and site.round.status == RoundStatus.OPEN,
    }
    return render(request, "testing/table/tube_list.html", context)


def _get_tube(scope, tube_id) -> Tube:
    return scope.get(Tube.objects.select_related("site", "round", "box", "opened_by"), pk=tube_id)


@require_GET
@scoped_view(TESTING_VIEW)
def tube_detail(request, tube_id: int):
    scope = request.scope
    tube = _get_tube(scope, tube_id)
    samples = list(
        scope.filter(Sample.objects.filter(tube=tube))
        .select_related("person", "registrar", "removed_by")
        .order_by("scanned_at", "id")
    )
    members = [s for s in samples if s.removed_at is None]
    removed = [s for s in samples if s.removed_at is not None]
    can_act = (
        request.user.can(TESTING_REGISTER)
        and tube.status == TubeStatus.OPEN
        and tube.round.status == RoundStatus.OPEN
    )
    context = {
        "tube": tube,
        "site": tube.site,
        "members": members,
        "removed": removed,
        "hidden": max(0, tube.filled - len(members)),
        "can_act": can_act,
        "reports": list(tube.reports.select_related("recorded_by").order_by("recorded_at", "id")),
    }
    return render(request, "testing/table/tube_detail.html", context)


@require_POST
@scoped_view(TESTING_REGISTER)
def tube_seal(request, tube_id: int):
    tube = _get_tube(request.scope, tube_id)
    try:
        tube = checkin.seal_tube(actor=request.user, tube=tube)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Tube %(t)s sealed.") % {"t": tube.barcode})
    return redirect("testing:tube", tube_id=tube.pk)


@require_POST
@scoped_view(TESTING_REGISTER)
def sample_remove(request, sample_id: int):
    sample = request.scope.get(Sample.objects.select_related("tube", "person"), pk=sample_id)
    try:
        checkin.remove_sample(actor=request.user, sample=sample, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s was taken out of tube %(t)s.")
            % {"name": sample.person.name, "t": sample.tube.barcode},
        )
    return redirect("testing:tube", tube_id=sample.tube_id)
