"""Background work of testing rounds: sending notices (eagerly when there is no Redis)."""

from wangge.testing.calling.services import send_notices_task  # noqa: F401  (discovered by Celery)
