"""What the platform already knows about a venue, for an inspection's data checks.

The inspections part pre-fills checklist items from these answers (a check item's evidence):
every function takes a venue already found in scope and a date, reads only, and answers with
plain values. Kept stable: the inspections part depends on these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from wangge.venues.models import DisinfectionEntry, Venue, VenueStaff, VisitorEntry


def disinfection_days(venue: Venue, *, since: date, until: date) -> set[date]:
    """The days between `since` and `until` (inclusive) with at least one line in the log."""
    return set(
        DisinfectionEntry.objects.filter(venue=venue, done_on__gte=since, done_on__lte=until)
        .values_list("done_on", flat=True)
        .distinct()
    )


def missing_disinfection_days(venue: Venue, *, on: date, days: int) -> list[date]:
    """The days of the last `days` up to `on` with no disinfection recorded, oldest first."""
    since = on - timedelta(days=days - 1)
    done = disinfection_days(venue, since=since, until=on)
    return [since + timedelta(days=i) for i in range(days) if since + timedelta(days=i) not in done]


@dataclass(frozen=True)
class StaffTesting:
    person_id: int
    category_name: str
    interval_days: int  # 0: the category has no routine test
    last_sampled_on: date | None
    on_time: bool


def staff_testing(venue: Venue, *, on: date) -> list[StaffTesting]:
    """Each current staff member, their category's test interval and whether their last sample
    (any round) is within it on `on`. Staff with no routine test count as on time."""
    from wangge.testing.models import Sample

    staff = list(
        VenueStaff.objects.filter(venue=venue, until__isnull=True).select_related("category").order_by("id")
    )
    if not staff:
        return []
    last: dict[int, date] = {}
    rows = (
        Sample.objects.filter(person_id__in=[s.person_id for s in staff], removed_at__isnull=True)
        .values_list("person_id", "scanned_at")
        .order_by("person_id", "-scanned_at")
    )
    for person_id, scanned_at in rows:
        last.setdefault(person_id, timezone.localtime(scanned_at).date())
    answer = []
    for s in staff:
        interval = s.category.test_interval_days if s.category else 0
        sampled = last.get(s.person_id)
        on_time = interval == 0 or (sampled is not None and (on - sampled).days < interval)
        answer.append(
            StaffTesting(s.person_id, s.category.name if s.category else "", interval, sampled, on_time)
        )
    return answer


def visitor_register_kept(venue: Venue, *, on: date) -> bool:
    """Whether the venue's visitor register has a line on `on` (schools keep one every day)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(on, time.min), tz)
    return VisitorEntry.objects.filter(venue=venue, at__gte=start, at__lt=start + timedelta(days=1)).exists()


def placards_recorded(venue: Venue) -> bool:
    """Whether the code placards (两码) are recorded as posted for the venue's shop."""
    shop = venue.shop
    return bool(shop and (shop.placards_posted or shop.placards_posted_on))
