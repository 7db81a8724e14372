from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.screening"
    label = "screening"

    def ready(self) -> None:
        from wangge.org.paths import register_path_copy
        from wangge.screening import models as m
        from wangge.screening import signals  # noqa: F401  (listens to testing results)

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
            register_path_copy(model)
