"""Background work of screening intake: a large 协查 list (more than QUEUE_ABOVE_ROWS rows) is
imported here (eagerly, inside the request, when there is no Redis). Its state is kept in the
cache under the upload's token, for the uploader's imports page."""

from __future__ import annotations

import contextlib

from celery import shared_task
from django.core.cache import cache

from wangge.screening.intake import lists as imports

QUEUE_ABOVE_ROWS = 5000
STATE_TTL = 24 * 3600


def state_key(token: str) -> str:
    return f"screening-import:{token}"


def set_state(token: str, **state) -> None:
    cache.set(state_key(token), state, STATE_TTL)


def get_state(token: str) -> dict | None:
    return cache.get(state_key(token))


# Named as before the part became a package: queued imports carry this name.
@shared_task(name="wangge.screening.tasks.run_screening_import", acks_late=True)
def run_screening_import(
    *,
    user_id: int,
    token: str,
    path: str,
    original: str,
    name: str,
    reference: str,
    mode: str,
    sheet: str = "",
) -> str:
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.core.files.storage import default_storage

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        set_state(token, state="failed", message="")
        return "failed"
    set_state(token, state="running", name=name)
    try:
        with default_storage.open(path, "rb") as f:
            analysis = imports.analyse(actor=user, raw=f, name=original, sheet=sheet or None)
        batch = imports.run_import(actor=user, analysis=analysis, name=name, reference=reference, mode=mode)
    except ValidationError as exc:
        set_state(token, state="rejected", name=name, message=" ".join(exc.messages))
        return "rejected"
    except Exception:
        set_state(token, state="failed", name=name, message="")
        raise
    finally:
        with contextlib.suppress(OSError):
            default_storage.delete(path)
    set_state(token, state="done", name=name, batch_id=batch.pk)
    return "done"
