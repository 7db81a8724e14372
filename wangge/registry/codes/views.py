"""Pages of personal codes (printable cards and sheets, the scanner) and of duplicates and merging.

Every record is fetched through the registry selectors with `request.scope`: out of scope is 404
like missing. Printed cards always mask the ID number; that is what the code is for.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.audit import services as audit
from wangge.core.access import not_found, scoped_view
from wangge.core.forms import paginate
from wangge.core.masking import mask_id
from wangge.registry import selectors, services, shortcode
from wangge.registry.codes import services as codes
from wangge.registry.models import DuplicateScanStatus, IdType, Person
from wangge.registry.people import candidates, dedupe
from wangge.registry.permissions import REGISTRY_EDIT, REGISTRY_VIEW

SHEET_PAGE_SIZE = 96  # cards per web page of a building sheet (12 printed pages of 8)
DUPLICATE_GROUPS_PER_PAGE = 25


class Card:
    """What a printed card shows: never the full ID number."""

    def __init__(self, person: Person):
        self.person = person
        self.token = codes.make_token(person)
        self.svg = codes.qr_svg(self.token)
        self.short_code = codes.short_code_of(person)
        self.masked_id = mask_id(person.id_number)
        self.household = str(person.household) if person.household_id else ""
        self.grid = person.grid.name


def _cards(people) -> list[Card]:
    return [Card(p) for p in people]


@scoped_view(REGISTRY_VIEW)
def person_code(request, person_id: int):
    person = selectors.get_person(request.scope, person_id)
    audit.record_view(actor=request.user, obj=person)
    return render(
        request,
        "registry/codes/person_code.html",
        {
            "person": person,
            "cards": _cards([person]),
            "can_revoke": request.user.can(REGISTRY_EDIT),
        },
    )


@scoped_view(REGISTRY_EDIT)
@require_POST
def code_revoke(request, person_id: int):
    person = selectors.get_person(request.scope, person_id)
    services.revoke_code(actor=request.user, person=person)
    messages.success(
        request,
        _("The old code of %(name)s no longer works. Print the new card below.") % {"name": person.name},
    )
    return redirect("registry:person_code", person_id=person.pk)


@scoped_view(REGISTRY_VIEW)
def household_codes(request, household_id: int):
    household = selectors.get_household(request.scope, household_id)
    people = (
        selectors.people(request.scope)
        .filter(household=household)
        .select_related("household", "grid")
        .order_by("pk")
    )
    audit.record_view(actor=request.user, obj=household)
    return render(
        request,
        "registry/codes/sheet.html",
        {"title": str(household), "household": household, "cards": _cards(people), "page_obj": None},
    )


@scoped_view(REGISTRY_VIEW)
def building_codes(request, building_id: int):
    building = selectors.get_building(request.scope, building_id)
    here = Q(household__room__building=building) | Q(
        pk__in=building.rentals.filter(tenancies__move_out__isnull=True).values("tenancies__person")
    )
    people = (
        selectors.people(request.scope)
        .filter(here)
        .select_related("household__room", "grid")
        .order_by("household__room__unit_label", "household__room__floor", "household__room__number", "pk")
    )
    page = paginate(request, people, per_page=SHEET_PAGE_SIZE)
    audit.record_view(actor=request.user, obj=building)
    return render(
        request,
        "registry/codes/sheet.html",
        {"title": building.name, "building": building, "cards": _cards(page.object_list), "page_obj": page},
    )


# --- scanning --------------------------------------------------------------------------


def _scan_context(request, resolution=None, error: str = "", id_number: str = "", id_type: str = "") -> dict:
    person = resolution.person if resolution is not None else None
    return {
        "resolution": resolution,
        "person": person,
        "masked_id": mask_id(person.id_number) if person else "",
        "error": error,
        "id_number": id_number,
        "id_type": id_type or IdType.RESIDENT_ID,
        "id_types": IdType.choices,
    }


@scoped_view(REGISTRY_VIEW)
def scan(request):
    return render(request, "registry/codes/scan.html", _scan_context(request))


@scoped_view(REGISTRY_VIEW)
@require_POST
def resolve(request):
    token = request.POST.get("token", "")
    id_number = request.POST.get("id_number", "")
    id_type = request.POST.get("id_type", "") or IdType.RESIDENT_ID
    if (
        not token.strip()
        and id_type == IdType.RESIDENT_ID
        and any(c.isalpha() for c in id_number)
        and shortcode.parse(id_number)[0] != shortcode.MALFORMED
    ):
        # Twelve characters of the code's alphabet, letters among them, are the code under the QR
        # (a resident ID has 18 digits, or 17 and an X; twelve digits are a number cut short).
        token, id_number = id_number, ""
    try:
        resolution = codes.resolve(request.scope, token=token, id_number=id_number, id_type=id_type)
    except ValidationError as exc:
        context = _scan_context(request, error=" ".join(exc.messages), id_number=id_number, id_type=id_type)
    else:
        if resolution.outcome == codes.FOUND:
            audit.record_view(actor=request.user, obj=resolution.person)
        # The typed number goes back only when nothing was found (so it can be corrected).
        keep = id_number if resolution.outcome != codes.FOUND else ""
        context = _scan_context(request, resolution, id_number=keep, id_type=id_type)
    htmx = getattr(request, "htmx", None)
    template = "registry/codes/_resolution.html" if htmx else "registry/codes/scan.html"
    return render(request, template, context)


# --- duplicates and merging ------------------------------------------------------------


def _query_id(request, name: str) -> int:
    value = request.GET.get(name, "")
    if not value.isdigit():
        raise not_found()
    return int(value)


def _duplicates_kind(data) -> str:
    kind = data.get("kind", dedupe.SAME_NAME_BIRTH)
    return kind if kind in dedupe.KINDS else dedupe.SAME_NAME_BIRTH


def _page_number(request) -> int:
    number = request.GET.get("page", "")
    return int(number) if number.isdigit() and int(number) > 0 else 1


@scoped_view(REGISTRY_VIEW)
def duplicates(request):
    """Likely duplicates as the last background scan found them (people/candidates.py), read
    within the scope; the page says when they were computed. The very first view of a kind
    starts a scan (done before the page answers when there is no Redis)."""
    scope = request.scope
    kind = _duplicates_kind(request.GET)
    include_departed = request.GET.get("departed") == "1"
    scan = candidates.latest_scan(kind)
    running = candidates.running_scan(kind)
    if scan is None and running is None:
        candidates.request_refresh(kind, actor=request.user)
        scan, running = candidates.latest_scan(kind), candidates.running_scan(kind)
    groups: list[dedupe.Group] = []
    page = None
    if scan is not None:
        page = candidates.group_page(
            scan,
            scope,
            include_departed=include_departed,
            number=_page_number(request),
            per_page=DUPLICATE_GROUPS_PER_PAGE,
        )
        for people in page.groups:
            first = people[0]
            if kind == dedupe.SAME_NAME_BIRTH:
                label = f"{first.name} · {first.birth_date:%Y-%m-%d}" if first.birth_date else first.name
            elif kind == dedupe.SAME_PHONE:
                label = selectors.shown_phone(request.user, first.phone)
            else:
                label = ""
            groups.append(dedupe.Group(kind, label, people))
    return render(
        request,
        "registry/dedupe/duplicates.html",
        {
            "kind": kind,
            "kinds": list(dedupe.KINDS.items()),
            "include_departed": include_departed,
            "groups": groups,
            "page_obj": page,
            "scan": scan,
            "running": running,
            "can_merge": request.user.can(REGISTRY_EDIT),
        },
    )


@scoped_view(REGISTRY_EDIT)
@require_POST
def duplicates_refresh(request):
    """Compute the candidates of one kind again (in the background when Redis is configured)."""
    kind = _duplicates_kind(request.POST)
    scan = candidates.request_refresh(kind, actor=request.user)
    if scan.status == DuplicateScanStatus.DONE:
        messages.success(request, _("The likely duplicates have been computed again."))
    else:
        messages.info(
            request, _("The likely duplicates are being computed again; reload the page in a minute.")
        )
    return redirect(f"{reverse('registry:duplicates')}?kind={kind}")


MERGE_ROWS = (
    ("name", None),
    ("id_type", "get_id_type_display"),
    ("id_number", None),
    ("sex", "get_sex_display"),
    ("birth_date", None),
    ("phone", None),
    ("status", "get_status_display"),
    ("household", None),
    ("relation", "get_relation_display"),
    ("grid", None),
    ("hukou_place", None),
    ("origin", None),
    ("employer", None),
    ("arrival_date", None),
    ("departure_date", None),
    ("is_active", None),
    ("created_at", None),
)


def _value(request, person: Person, field: str, display: str | None):
    if display:
        return getattr(person, display)()
    value = getattr(person, field)
    if field == "id_number":
        return selectors.shown_id(request.user, value)
    if field == "phone":
        return selectors.shown_phone(request.user, value)
    if field == "is_active":
        return _("active") if value else _("departed")
    if field == "created_at":
        return f"{value:%Y-%m-%d}"
    return "" if value is None else str(value)


def _merge_rows(request, keep: Person, drop: Person) -> list[dict]:
    filled = set(dedupe.fillable(keep, drop))
    rows = []
    for field, display in MERGE_ROWS:
        a, b = _value(request, keep, field, display), _value(request, drop, field, display)
        rows.append(
            {
                "label": Person._meta.get_field(field).verbose_name,
                "keep": a,
                "drop": b,
                "differs": a != b,
                "filled": field in filled,
            }
        )
    return rows


def _counts(person: Person) -> dict:
    return {
        "tenancies": person.tenancies.count(),
        "rentals": person.rentals_owned.count(),
        "moves": person.moves.count(),
    }


@scoped_view(REGISTRY_EDIT)
def merge(request):
    scope = request.scope
    keep = selectors.get_person(scope, _query_id(request, "keep"))
    drop = selectors.get_person(scope, _query_id(request, "drop"))
    errors: list[str] = []
    confirm_error = ""
    confirmed = False
    if request.method == "POST":
        confirmed = request.POST.get("confirm_different_ids") == "on"
        try:
            kept = dedupe.merge_people(
                actor=request.user, keep=keep, drop=drop, confirm_different_ids=confirmed
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                confirm_error = " ".join(
                    m for e in exc.error_dict.get("confirm_different_ids", []) for m in e.messages
                )
                errors = [
                    m
                    for f, es in exc.error_dict.items()
                    if f != "confirm_different_ids"
                    for e in es
                    for m in e.messages
                ]
            else:
                errors = exc.messages
        else:
            messages.success(
                request,
                _("The two records of %(name)s are now one. The other record was kept in the history.")
                % {"name": kept.name},
            )
            return redirect("registry:person_detail", person_id=kept.pk)
    else:
        audit.record_view(actor=request.user, obj=keep)
        audit.record_view(actor=request.user, obj=drop)
    return render(
        request,
        "registry/dedupe/merge.html",
        {
            "keep": keep,
            "drop": drop,
            "rows": _merge_rows(request, keep, drop),
            "keep_counts": _counts(keep),
            "drop_counts": _counts(drop),
            "needs_confirmation": dedupe.needs_id_confirmation(keep, drop),
            "same_record": keep.pk == drop.pk,
            "confirmed": confirmed,
            "confirm_error": confirm_error,
            "errors": errors,
        },
    )
