"""Background work of the registry: large imports run here (eagerly when there is no Redis).

The tasks are defined beside the work they run; this module is where Celery discovers them.
"""

from wangge.registry.imports.engine import run_import_task

__all__ = ["run_import_task"]
