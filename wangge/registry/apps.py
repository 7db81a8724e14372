from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.registry"
    label = "registry"

    def ready(self) -> None:
        from wangge.core import masking
        from wangge.core.api import register_api_router
        from wangge.core.menu import MenuEntry, register_menu
        from wangge.core.paths import register_path_scoped
        from wangge.core.permissions import register_permissions
        from wangge.registry import models as m
        from wangge.registry.codes import api as api_codes
        from wangge.registry.imports import api as api_imports
        from wangge.registry.imports import api_exports, api_held
        from wangge.registry.permissions import (
            PERMISSIONS,
            REGISTRY_IMPORT,
            REGISTRY_VIEW,
            REGISTRY_VIEW_IDS,
            REGISTRY_VIEW_PHONES,
        )
        from wangge.registry.places import api as api_places
        from wangge.registry.rentals import api as api_rentals

        register_permissions(PERMISSIONS)
        from django.utils.translation import pgettext_lazy

        from wangge.audit.display import register_labels

        register_labels("registry.personmove", pgettext_lazy("record type", "move of a person"))
        from wangge.registry import audit_links

        audit_links.register()
        register_menu(
            [
                MenuEntry("registry:my_grid", _("My grid"), REGISTRY_VIEW, order=100, group="registry"),
                MenuEntry("registry:people", _("People"), REGISTRY_VIEW, order=110, group="registry"),
                MenuEntry("registry:buildings", _("Buildings"), REGISTRY_VIEW, order=120, group="registry"),
                MenuEntry(
                    "registry:rental_list", _("Rentals and shops"), REGISTRY_VIEW, order=130, group="registry"
                ),
                MenuEntry("registry:unvisited", _("Visits"), REGISTRY_VIEW, order=140, group="registry"),
                MenuEntry(
                    "registry:party_links",
                    _("Party-member links"),
                    REGISTRY_VIEW,
                    order=150,
                    group="registry",
                ),
                MenuEntry("registry:import_list", _("Imports"), REGISTRY_IMPORT, order=160, group="registry"),
            ]
        )
        from wangge.core.home import HomeItem, register_home_item
        from wangge.registry import home_items as items

        for item in (
            HomeItem("registry-follow-ups", _("Visits to follow up"), items.follow_ups, "registry:follow_ups",
                     REGISTRY_VIEW, group="registry", order=300),
            HomeItem("registry-late-reports", _("Rentals with a tenant reported late"), items.late_reports,
                     items.late_reports_url, REGISTRY_VIEW, group="registry", order=310),
            HomeItem("registry-unvisited", _("Households not visited for 30 days"), items.unvisited,
                     "registry:unvisited", REGISTRY_VIEW, group="registry", order=320),
            HomeItem("registry-held-rows", _("Rental-roll rows waiting for the village"), items.held_rows,
                     "registry:held_index", REGISTRY_IMPORT, group="registry", order=330),
        ):  # fmt: skip
            register_home_item(item)

        register_api_router("/registry", api_places.router, order=100)
        register_api_router("/registry/codes", api_codes.router, order=110)
        register_api_router("/registry/rentals", api_rentals.router, order=120)
        register_api_router("/registry/imports", api_imports.router, order=130)
        register_api_router("/registry/held-rows", api_held.router, order=135)
        register_api_router("/registry/exports", api_exports.router, order=135)
        # People's numbers, wherever they appear (the roster overrides phones for its staff).
        masking.register_reveal_permission(masking.ID, REGISTRY_VIEW_IDS)
        masking.register_reveal_permission(masking.PHONE, REGISTRY_VIEW_PHONES)
        for model in (
            m.Building,
            m.Room,
            m.Household,
            m.Person,
            m.Rental,
            m.Tenancy,
            m.Visit,
            m.PartyLink,
            m.AddressRule,
            m.HeldRow,
        ):
            register_path_scoped(model)
