"""Background work of the registry: large imports run here (eagerly when there is no Redis)."""

from celery import shared_task


@shared_task(acks_late=True)
def run_import_task(job_id: int) -> str:
    from wangge.registry.imports.engine import run_import
    from wangge.registry.models import ImportJob

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    return run_import(job).status
