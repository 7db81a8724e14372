from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.screening"
    label = "screening"

    def ready(self) -> None:
        from wangge.screening import audit_labels

        audit_labels.register()
        from wangge.core.home import HomeItem, register_home_item
        from wangge.screening import home_items as items
        from wangge.screening.permissions import (
            SCREENING_APPROVE,
            SCREENING_DECIDE,
            SCREENING_FOLLOWUP,
            SCREENING_SCREEN,
        )

        for item in (
            HomeItem("screening-approve", _("Measures awaiting your approval"), items.to_approve,
                     items.measures_url("awaiting_approval"), SCREENING_APPROVE, group="screening", urgent=True, order=100),
            HomeItem("screening-decide", _("Proposed measures to decide"), items.to_decide,
                     items.measures_url("proposed"), SCREENING_DECIDE, group="screening", urgent=True, order=110),
            HomeItem("screening-findings", _("Findings not yet handled (fever, missed checks)"), items.findings,
                     items.escalations_url, SCREENING_FOLLOWUP, group="screening", urgent=True, order=120),
            HomeItem("screening-release-due", _("Measures at their last day: to release"), items.release_due,
                     items.measures_url("release_due"), SCREENING_APPROVE, group="screening", order=125),
            HomeItem("screening-self-reports", _("Self-reports to place in a grid"), items.self_reports,
                     "screening:self_reports", SCREENING_SCREEN, group="screening", order=130),
            HomeItem("screening-overdue-checks", _("Measures with checks overdue"), items.overdue_checks,
                     "screening:overdue", SCREENING_FOLLOWUP, group="screening", urgent=True, order=140),
            HomeItem("screening-tests-today", _("Measure tests due today"), items.tests_today,
                     "screening:followup", SCREENING_FOLLOWUP, group="screening", order=150),
            HomeItem("screening-overdue-tests", _("Measure tests overdue"), items.overdue_tests,
                     "screening:overdue", SCREENING_FOLLOWUP, group="screening", urgent=True, order=160),
        ):  # fmt: skip
            register_home_item(item)
        from wangge.core.sections import RecordSection, register_record_section
        from wangge.screening import person_sections

        register_record_section(
            "registry.person",
            RecordSection(
                "screening-banner", "screening/person/_banner.html", person_sections.measure_banner, order=10
            ),
        )
        register_record_section(
            "registry.person",
            RecordSection(
                "screening-history",
                "screening/person/_history.html",
                person_sections.screening_history,
                order=200,
            ),
        )
        from wangge.core.api import register_api_router
        from wangge.core.menu import MenuEntry, register_menu
        from wangge.core.paths import register_path_scoped
        from wangge.core.permissions import register_permissions
        from wangge.screening import models as m
        from wangge.screening import signals  # noqa: F401  (listens to testing results)
        from wangge.screening.events import measure_handed_over
        from wangge.screening.followup import api as api_followup
        from wangge.screening.followup.services import close_requests_of_measure
        from wangge.screening.intake import api as api_intake
        from wangge.screening.measures import api as api_measures
        from wangge.screening.overview import api as api_overview
        from wangge.screening.permissions import (
            PERMISSIONS,
            SCREENING_FOLLOWUP,
            SCREENING_SCREEN,
            SCREENING_VIEW,
        )
        from wangge.screening.rules import api as api_rules

        register_permissions(PERMISSIONS)
        measure_handed_over.connect(
            lambda sender, *, actor, measure, outcome, **kw: close_requests_of_measure(
                actor=actor, measure=measure, outcome=outcome
            ),
            weak=False,
            dispatch_uid="screening-followup-handed-over",
        )
        register_menu(
            [
                MenuEntry(
                    "screening:overview", _("Key people"), SCREENING_VIEW, order=300, group="screening"
                ),
                MenuEntry("screening:records", _("Screening"), SCREENING_VIEW, order=310, group="screening"),
                # Door-to-door volunteers may screen without seeing the lists: the form is their way in.
                MenuEntry(
                    "screening:record_new",
                    _("Screen a person"),
                    SCREENING_SCREEN,
                    order=320,
                    group="screening",
                ),
                MenuEntry(
                    "screening:measures", _("Control measures"), SCREENING_VIEW, order=330, group="screening"
                ),
                MenuEntry(
                    "screening:followup", _("Follow-up"), SCREENING_FOLLOWUP, order=340, group="screening"
                ),
                MenuEntry(
                    "screening:categories",
                    _("Categories and rules"),
                    SCREENING_VIEW,
                    order=350,
                    group="screening",
                ),
            ]
        )
        # All mounted at /screening; each part owns distinct paths.
        for order, part in enumerate((api_overview, api_rules, api_intake, api_measures, api_followup)):
            register_api_router("/screening", part.router, order=300 + order)
        for model in (
            m.ScreeningBatch,
            m.ScreeningRecord,
            m.BulkOrder,
            m.Measure,
            m.MeasureTest,
            m.DailyCheck,
            m.Escalation,
            m.ServiceRequest,
        ):
            register_path_scoped(model)
