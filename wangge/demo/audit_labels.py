"""Words for the demo's build summary (an audit event on the district, one key per count)."""

from django.utils.translation import pgettext_lazy

from wangge.audit.display import register_labels

COUNTS = {
    "demo_seed": pgettext_lazy("demo count", "demo seed"),
    "scale": pgettext_lazy("demo count", "scale"),
    "people_planned": pgettext_lazy("demo count", "people planned"),
    "builder_version": pgettext_lazy("demo count", "builder version"),
    "districts": pgettext_lazy("demo count", "districts"),
    "offices": pgettext_lazy("demo count", "offices"),
    "management_areas": pgettext_lazy("demo count", "management areas"),
    "villages": pgettext_lazy("demo count", "villages and communities"),
    "workstations": pgettext_lazy("demo count", "workstations"),
    "grids": pgettext_lazy("demo count", "grids"),
    "leaderless_grids": pgettext_lazy("demo count", "grids without a leader"),
    "staff": pgettext_lazy("demo count", "staff"),
    "staff_active": pgettext_lazy("demo count", "staff in service"),
    "assignments_current": pgettext_lazy("demo count", "current responsibilities"),
    "assignments_past": pgettext_lazy("demo count", "past responsibilities"),
    "departments": pgettext_lazy("demo count", "departments"),
    "working_groups": pgettext_lazy("demo count", "working groups"),
    "working_group_members": pgettext_lazy("demo count", "working group members"),
    "accounts": pgettext_lazy("demo count", "accounts"),
    "buildings": pgettext_lazy("demo count", "buildings"),
    "rooms": pgettext_lazy("demo count", "rooms"),
    "households": pgettext_lazy("demo count", "households"),
    "people": pgettext_lazy("demo count", "people"),
    "people_active": pgettext_lazy("demo count", "people living here"),
    "rentals": pgettext_lazy("demo count", "rentals and shops"),
    "tenancies": pgettext_lazy("demo count", "tenancies"),
    "visits": pgettext_lazy("demo count", "visits"),
    "party_links": pgettext_lazy("demo count", "party member links"),
    "person_moves": pgettext_lazy("demo count", "moves"),
    "assist_list_rows": pgettext_lazy("demo count", "rows of assist lists"),
    "merged_reports": pgettext_lazy("demo count", "merged reports"),
    "round_one_due": pgettext_lazy("demo count", "due in round one"),
    "round_one_sampled": pgettext_lazy("demo count", "sampled in round one"),
    "round_one_sites": pgettext_lazy("demo count", "sites in round one"),
    "round_one_tubes": pgettext_lazy("demo count", "tubes in round one"),
    "round_one_positive_pool_members": pgettext_lazy("demo count", "people in the positive pool"),
    "round_two_due": pgettext_lazy("demo count", "due in round two"),
    "round_two_sites": pgettext_lazy("demo count", "sites in round two"),
    "key_people_rounds": pgettext_lazy("demo count", "rounds of key people"),
    "risk_areas": pgettext_lazy("demo count", "risk areas"),
    "screening_records": pgettext_lazy("demo count", "screening records"),
    "baqian_screened": pgettext_lazy("demo count", "screened in 八千"),
    "baqian_categories": pgettext_lazy("demo count", "categories screened in 八千"),
    "returnee_measures": pgettext_lazy("demo count", "measures for returnees"),
    "measures": pgettext_lazy("demo count", "control measures"),
    "measures_active": pgettext_lazy("demo count", "measures in force"),
    "released": pgettext_lazy("demo count", "people released"),
    "daily_checks": pgettext_lazy("demo count", "daily checks"),
    "service_requests": pgettext_lazy("demo count", "service requests"),
    "self_reports": pgettext_lazy("demo count", "self-reports"),
    "self_reports_waiting": pgettext_lazy("demo count", "self-reports waiting"),
}


def register() -> None:
    register_labels("org.orgunit", fields=COUNTS)
