"""Background work of the registry: large imports and the search for likely duplicates run here
(eagerly when there is no Redis).

The tasks are defined beside the work they run; this module is where Celery discovers them.
"""

from wangge.registry.imports.engine import run_import_task
from wangge.registry.people.candidates import refresh_duplicates_task

__all__ = ["refresh_duplicates_task", "run_import_task"]
