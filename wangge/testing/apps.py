from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.testing"
    label = "testing"

    def ready(self) -> None:
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
                MenuEntry("testing:rounds", _("Testing rounds"), TESTING_VIEW, order=200),
                MenuEntry("testing:table_pick", _("Sampling table"), TESTING_REGISTER, order=210),
                MenuEntry("testing:alerts", _("Positive-pool alerts"), TESTING_VIEW, order=220),
                MenuEntry("testing:lab_queue", _("Lab queue"), TESTING_RESULTS, order=230),
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
        for order, part in enumerate(
            (api_checkin, api_rounds, api_calling, api_transport, api_results, api_coverage)
        ):
            register_api_router("/testing", part.router, order=200 + order)
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
