from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.testing"
    label = "testing"

    def ready(self) -> None:
        from wangge.org.paths import register_path_copy
        from wangge.testing import models as m
        from wangge.testing import receivers  # noqa: F401  (follows people who move)

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
            register_path_copy(model)
