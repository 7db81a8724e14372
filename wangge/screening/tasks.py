"""Where Celery discovers screening's background work; the tasks live beside their work."""

from wangge.screening.intake.tasks import run_screening_import

__all__ = ["run_screening_import"]
