from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.testing"
    label = "testing"

    def ready(self) -> None:
        from wangge.testing import audit_labels

        audit_labels.register()
        from wangge.core.home import HomeItem, register_home_item
        from wangge.core.offline import register_offline_assets
        from wangge.testing import home_items as items
        from wangge.testing.permissions import TESTING_REGISTER, TESTING_VIEW

        # The sampling table's page opens with no network (its views are @offline_page).
        register_offline_assets("wangge/table.js", "vendor/html5-qrcode-2.3.8.min.js")

        for item in (
            HomeItem("testing-alerts", _("Positive-pool alerts not yet acknowledged"), items.alerts,
                     "testing:alerts", TESTING_VIEW, group="testing", urgent=True, order=50),
            HomeItem("testing-untested", _("People not yet tested in the open round"), items.untested,
                     items.untested_url, TESTING_VIEW, group="testing", order=60),
            HomeItem("testing-table", _("Sampling sites open today: choose your table"), items.open_sites,
                     "testing:table_pick", TESTING_REGISTER, group="testing", order=70),
        ):  # fmt: skip
            register_home_item(item)
        from wangge.core.sections import RecordSection, register_record_section
        from wangge.testing import person_sections

        register_record_section(
            "registry.person",
            RecordSection(
                "testing-history", "testing/person/_tests.html", person_sections.test_history, order=210
            ),
        )
        from wangge.core.api import register_api_router
        from wangge.core.home import HomePanel, register_home_panel
        from wangge.core.menu import MenuEntry, register_menu
        from wangge.core.paths import register_path_scoped
        from wangge.core.permissions import register_permissions
        from wangge.testing import models as m
        from wangge.testing import receivers  # noqa: F401  (follows people who move)
        from wangge.testing.calling import api as api_calling
        from wangge.testing.checkin import api as api_checkin
        from wangge.testing.coverage import api as api_coverage
        from wangge.testing.permissions import PERMISSIONS, TESTING_REGISTER, TESTING_RESULTS, TESTING_VIEW
        from wangge.testing.results import api as api_results
        from wangge.testing.rounds import api as api_rounds
        from wangge.testing.transport import api as api_transport

        register_permissions(PERMISSIONS)
        register_menu(
            [
                MenuEntry("testing:rounds", _("Testing rounds"), TESTING_VIEW, order=200, group="testing"),
                MenuEntry(
                    "testing:table_pick", _("Sampling table"), TESTING_REGISTER, order=210, group="testing"
                ),
                MenuEntry(
                    "testing:alerts", _("Positive-pool alerts"), TESTING_VIEW, order=220, group="testing"
                ),
                MenuEntry("testing:lab_queue", _("Lab queue"), TESTING_RESULTS, order=230, group="testing"),
            ]
        )
        from wangge.testing.transport import views as views_transport

        register_home_panel(
            HomePanel(
                "testing-lab-queue",
                "testing/transport/_home_lab_queue.html",
                views_transport.home_lab_queue,
                order=250,
            )
        )
        # All mounted at /testing; each part owns distinct paths (see each module's docstring).
        # The check-in first of all the API's routes: a table's scans are the busiest requests,
        # and each route mounted before them costs every scan a pattern match.
        register_api_router("/testing", api_checkin.router, order=0)
        from wangge.core.lean import register_lean_handler

        register_lean_handler("POST", api_checkin.LEAN_SITE + "/scan", api_checkin.lean_scan)
        register_lean_handler("POST", api_checkin.LEAN_SITE + "/upload", api_checkin.lean_upload)
        for order, part in enumerate((api_rounds, api_calling, api_transport, api_results, api_coverage)):
            register_api_router("/testing", part.router, order=201 + order)
        for model in (
            m.Round,
            m.Site,
            m.Due,
            m.CoverageCounter,
            m.CallSlot,
            m.NoticeDelivery,
            m.Tube,
            m.Sample,
            m.Box,
            m.Retest,
            m.Alert,
        ):
            register_path_scoped(model)
