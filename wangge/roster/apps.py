from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.roster"
    label = "roster"

    def ready(self) -> None:
        from django.urls import reverse

        from wangge.audit.display import register_object_url, register_reference
        from wangge.core import masking
        from wangge.core.api import register_api_router
        from wangge.core.home import HomePanel, register_home_panel
        from wangge.core.menu import MenuEntry, register_menu
        from wangge.core.permissions import register_permissions
        from wangge.org.models import OrgUnit
        from wangge.org.signals import unit_closed
        from wangge.roster import api, api_units, selectors, views_tree
        from wangge.roster.permissions import PERMISSIONS, ROSTER_VIEW, ROSTER_VIEW_CONTACT

        register_permissions(PERMISSIONS)
        register_menu(
            [
                MenuEntry("roster:staff_list", _("Roster"), ROSTER_VIEW, order=410, group="org"),
                MenuEntry("roster:group_list", _("Working groups"), ROSTER_VIEW, order=420, group="org"),
            ]
        )
        register_api_router("/roster", api.router, order=30)
        register_home_panel(
            HomePanel("jurisdiction", "roster/_home_summary.html", views_tree.home_summary, order=100)
        )
        # Before the tree's own /units routes, as when they were one router.
        register_api_router("/units", api_units.router, order=15)
        unit_closed.connect(_end_responsibilities, sender=OrgUnit, dispatch_uid="roster-unit-closed")
        masking.register_reveal_permission(masking.PHONE, ROSTER_VIEW_CONTACT, model_prefix="roster.")

        register_reference(
            "department", lambda scope, ids: selectors.departments(scope).filter(pk__in=ids), "department_id"
        )
        register_reference(
            "staff",
            lambda scope, ids: selectors.staff(scope, include_inactive=True).filter(pk__in=ids),
            "staff_id",
        )
        register_reference(
            "group", lambda scope, ids: selectors.working_groups(scope).filter(pk__in=ids), "group_id"
        )

        def staff_page(staff_id: int) -> str:
            return reverse("roster:staff_detail", kwargs={"staff_id": staff_id})

        def group_page(group_id: int) -> str:
            return reverse("roster:group_detail", kwargs={"group_id": group_id})

        register_object_url("roster.staffmember", lambda pk, snap: staff_page(pk))
        register_object_url("roster.workinggroup", lambda pk, snap: group_page(pk))
        register_object_url(
            "roster.workinggroupmember",
            lambda pk, snap: group_page(snap["group_id"]) if isinstance(snap.get("group_id"), int) else None,
        )
        register_object_url(
            "roster.assignment",
            lambda pk, snap: staff_page(snap["staff_id"]) if isinstance(snap.get("staff_id"), int) else None,
        )


def _end_responsibilities(sender, *, unit, actor, **kwargs) -> None:
    from wangge.roster.services import end_assignments_of_unit

    end_assignments_of_unit(actor=actor, unit=unit)
