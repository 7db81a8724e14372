"""The import flow: upload → preview (mapping, first rows, count) → run (validate, write).

Files are streamed in chunks of CHUNK_SIZE rows; natural keys are resolved per chunk so a
re-import creates no duplicates. "Valid rows": each chunk is its own transaction and bad rows
go to the error file. "All or nothing": the whole file is validated first; only a clean file is
written, in one transaction; otherwise nothing is written and the error file holds every row.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any

import xlsxwriter
from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import has_permission, scope_of
from wangge.org.models import Level, OrgUnit
from wangge.registry.imports.fields import FIELDS, detect_mapping, field_map
from wangge.registry.imports.processors import PROCESSORS as ROW_PROCESSORS
from wangge.registry.imports.processors import Context, Processor, Row, Stats
from wangge.registry.imports.reading import Table, open_table
from wangge.registry.imports.roll import RollProcessor
from wangge.registry.imports.values import SuspectCell
from wangge.registry.models import ImportJob, ImportKind, ImportMode, ImportStatus
from wangge.registry.people import candidates, dedupe
from wangge.registry.permissions import REGISTRY_IMPORT

log = logging.getLogger(__name__)

CHUNK_SIZE = 2000
PREVIEW_ROWS = 20
QUEUE_ABOVE_ROWS = 5000
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ERROR_HEADER = "错误原因"
# A warned row in the error file: it was imported all the same (已导入； in Chinese).
IMPORTED_PREFIX = gettext_lazy("Imported; ")
# The columns whose numbers a spreadsheet can mangle (flagged at upload, see Table.scan).
DOCUMENT_FIELDS = ("id_number", "head_id", "landlord_id", "tenant_id")
ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".txt")
PROCESSORS: dict[str, type[Processor]] = {**ROW_PROCESSORS, ImportKind.RENTAL_ROLL: RollProcessor}
# Kinds imported for one village or community (the job's unit), not the whole jurisdiction.
VILLAGE_KINDS = (ImportKind.RENTAL_ROLL,)


class Rejected(Exception):
    """All or nothing: a row failed while writing; the transaction is rolled back."""


def _require(actor: Any) -> None:
    if not has_permission(actor, REGISTRY_IMPORT):
        raise PermissionDenied(_("Your role does not allow this."))


def _sha256(f) -> str:
    digest = hashlib.sha256()
    f.seek(0)
    for chunk in iter(lambda: f.read(1 << 16), b""):
        digest.update(chunk)
    f.seek(0)
    return digest.hexdigest()


def villages_for_import(actor: Any):
    """The villages and communities a roll may be imported for: those in the actor's scope."""
    return (
        scope_of(actor)
        .filter(OrgUnit.objects.filter(level=Level.VILLAGE, closed_at__isnull=True))
        .order_by("path")
    )


def _unit_for(actor: Any, kind: str, unit: OrgUnit | None) -> OrgUnit:
    scope = scope_of(actor)
    if kind not in VILLAGE_KINDS:
        return scope.root
    if unit is None:
        if scope.root.level == Level.VILLAGE:
            return scope.root
        raise ValidationError({"unit": _("Choose the village or community this roll belongs to.")})
    if unit.level != Level.VILLAGE or unit.closed_at is not None:
        raise ValidationError({"unit": _("Choose a village or community.")})
    scope.require_unit(unit)
    return unit


def create_job(
    *,
    actor: Any,
    kind: str,
    upload,
    mode: str = ImportMode.VALID_ROWS,
    sheet: str | int | None = None,
    unit: OrgUnit | None = None,
) -> ImportJob:
    """Store an uploaded file for the actor's jurisdiction (a roll: for one of its villages) and
    read its header and size. `sheet`: the workbook's sheet to read (default: the first whose
    header is recognised)."""
    _require(actor)
    scope = scope_of(actor)
    if scope.is_empty:
        raise PermissionDenied(_("Your account has no jurisdiction."))
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Choose what the file contains.")})
    target = _unit_for(actor, kind, unit)
    if mode not in ImportMode.values:
        raise ValidationError({"mode": _("Choose how to import.")})
    name = os.path.basename(getattr(upload, "name", "") or "upload")[:255]
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ValidationError({"file": _("Upload an Excel file (xlsx, xls) or a CSV file.")})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 50 MB: split it into several files.")})
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    table = open_table(upload, name, kind, sheet=sheet)  # a clear ValidationError if unreadable
    fields = detect_mapping(kind, table.headers)
    total, mangled = table.scan([fields[k] for k in DOCUMENT_FIELDS if k in fields])
    if total == 0:
        raise ValidationError({"file": _("The file has a header row but no data rows.")})
    sha = _sha256(upload)
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            actor=actor,
            scope_unit=target,
            path=target.path,
            original_name=name,
            sha256=sha,
            encoding=table.encoding,
            mode=mode,
            status=ImportStatus.PREVIEWED,
            total_rows=total,
            mapping={
                "header_row": table.header_row,
                "headers": table.headers,
                "fields": fields,
                "language": translation.get_language() or settings.LANGUAGE_CODE,
                "sheet": table.sheet,
                "sheets": table.sheet_names,
                "mangled_columns": mangled,
            },
        )
        job.file.save(f"{sha[:16]}{os.path.splitext(name)[1].lower()}", File(upload), save=False)
        job.save()
        audit.record(
            actor=actor,
            action=Action.CREATE,
            obj=job,
            after={"kind": kind, "rows": total, "sha256": sha, "mode": mode},
        )
    return job


def same_file_before(job: ImportJob) -> ImportJob | None:
    """An earlier finished import of the very same file by this actor (re-importing is harmless)."""
    return (
        ImportJob.objects.filter(actor_id=job.actor_id, sha256=job.sha256, status=ImportStatus.DONE)
        .exclude(pk=job.pk)
        .order_by("-created_at")
        .first()
    )


def _table(job: ImportJob) -> Table:
    job.file.open("rb")
    return open_table(job.file, job.original_name, job.kind, sheet=job.mapping.get("sheet") or None)


def preview(job: ImportJob) -> dict:
    """The first rows of the file with its headers and the mapping in use."""
    table = _table(job)
    try:
        rows = []
        for _number, cells in table.rows():
            rows.append(cells)
            if len(rows) >= PREVIEW_ROWS:
                break
    finally:
        job.file.close()
    return {"headers": table.headers, "rows": rows}


def set_mapping(*, actor: Any, job: ImportJob, fields: dict[str, int], mode: str) -> ImportJob:
    """The user's corrections: field key → column index (each column used once)."""
    _require(actor)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED):
        raise ValidationError(_("This import has already been started."))
    if mode not in ImportMode.values:
        raise ValidationError({"mode": _("Choose how to import.")})
    known = field_map(job.kind)
    width = len(job.mapping.get("headers", []))
    clean: dict[str, int] = {}
    for key, col in fields.items():
        if key in known and isinstance(col, int) and 0 <= col < width:
            clean[key] = col
    used = list(clean.values())
    if len(used) != len(set(used)):
        raise ValidationError(_("A column can fill only one field."))
    missing = missing_required(job.kind, clean)
    if missing:
        raise ValidationError(
            _("These required columns are not mapped: %(names)s.") % {"names": ", ".join(missing)}
        )
    job.mapping = {**job.mapping, "fields": clean}
    job.mode = mode
    job.save(update_fields=["mapping", "mode"])
    return job


def missing_required(kind: str, mapping: dict[str, int]) -> list[str]:
    missing = [f.header for f in FIELDS[kind] if f.required and f.key not in mapping]
    if kind == ImportKind.TENANTS and "rental_address" not in mapping and "building" not in mapping:
        missing.append("出租屋地址 / 楼栋")
    return missing


def start(*, actor: Any, job: ImportJob) -> ImportJob:
    """Run now, or queue a large file for the background worker (progress is polled)."""
    _require(actor)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED):
        raise ValidationError(_("This import has already been started."))
    missing = missing_required(job.kind, job.mapping.get("fields", {}))
    if missing:
        raise ValidationError(
            _("These required columns are not mapped: %(names)s.") % {"names": ", ".join(missing)}
        )
    updated = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportStatus.UPLOADED, ImportStatus.PREVIEWED]
    ).update(status=ImportStatus.QUEUED)
    if not updated:
        raise ValidationError(_("This import has already been started."))
    job.status = ImportStatus.QUEUED
    if job.total_rows > QUEUE_ABOVE_ROWS:
        transaction.on_commit(lambda: run_import_task.delay(job.pk))
    else:
        run_import(job)
    job.refresh_from_db()
    return job


# --- running -----------------------------------------------------------------------------


class ErrorBook:
    """The rows sent back: the original columns plus 错误原因, written as text so that the file
    can be fixed and imported again as it is. Rows imported with a warning come back too, their
    reason starting with IMPORTED_PREFIX, 已导入； (importing them again changes nothing). Every importer of the
    platform writes its error file with it."""

    def __init__(self, headers: list[str]):
        self.tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
        self.tmp.close()
        self.book = xlsxwriter.Workbook(self.tmp.name, {"constant_memory": True})
        self.sheet = self.book.add_worksheet("errors")
        bold = self.book.add_format({"bold": True})
        self.red = self.book.add_format({"font_color": "#b00020", "text_wrap": True})
        for col, h in enumerate([*headers, ERROR_HEADER]):
            self.sheet.write_string(0, col, str(h), bold)
        self.error_col = len(headers)
        self.sheet.set_column(self.error_col, self.error_col, 60)
        self.row = 0
        self.bad = 0
        self.warned = 0

    def add(
        self, cells: list, errors: list[str], warnings: Sequence[str] = (), *, imported: bool = True
    ) -> None:
        """One row; `warnings` of a row without errors are prefixed 已导入； when it was imported."""
        self.row += 1
        for col, value in enumerate(cells):
            self.sheet.write_string(
                self.row, col, value.isoformat() if hasattr(value, "isoformat") else str(value)
            )
        if errors:
            self.bad += 1
            self.sheet.write_string(self.row, self.error_col, "；".join([*errors, *warnings]), self.red)
        elif warnings:
            self.warned += 1
            reason = "；".join(warnings)
            self.sheet.write_string(
                self.row, self.error_col, f"{IMPORTED_PREFIX}{reason}" if imported else reason
            )

    def content(self) -> bytes:
        """The finished file's bytes (for importers that send it at once)."""
        self.book.close()
        try:
            with open(self.tmp.name, "rb") as f:
                return f.read()
        finally:
            os.unlink(self.tmp.name)

    def save_to(self, job: ImportJob) -> None:
        self.book.close()
        try:
            if self.bad or self.warned:
                with open(self.tmp.name, "rb") as f:
                    job.errors_file.save(f"errors-{job.pk}.xlsx", File(f), save=False)
        finally:
            os.unlink(self.tmp.name)

    def discard(self) -> None:
        try:
            self.book.close()
        finally:
            if os.path.exists(self.tmp.name):
                os.unlink(self.tmp.name)


def _chunks(job: ImportJob, table, processor) -> Generator[tuple[list[Row], list[Row]], None, None]:
    """(rows that passed the row checks, every row) per chunk, in file order. The next chunk is
    read and checked in a second thread while the database writes the last one."""
    return _ahead(lambda: _checked_chunks(job, table, processor))


def _ahead(make: Callable[[], Iterator[Any]]) -> Generator[Any, None, None]:
    """The items of make(), produced one ahead by a worker thread (in the caller's language).
    The worker must not query the database: its connection would be another transaction."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    language = translation.get_language()

    def put(item: tuple) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            with translation.override(language):
                for item in make():
                    if not put(("item", item)):
                        return
            put(("done", None))
        except BaseException as exc:  # handed to the consumer, raised there
            put(("error", exc))

    worker = threading.Thread(target=work, name="import-reader", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        worker.join()


def _checked_chunks(job: ImportJob, table, processor) -> Iterator[tuple[list[Row], list[Row]]]:
    mapping = {k: int(v) for k, v in job.mapping.get("fields", {}).items()}
    # Text of a column that also holds certainly mangled numbers: a zero-tailed ID is refused too.
    suspect = [c for c in job.mapping.get("mangled_columns", []) if c in mapping.values()]
    batch: list[Row] = []
    for number, cells in table.rows():
        for col in suspect:
            if type(cells[col]) is str:
                cells[col] = SuspectCell(cells[col])
        row = Row(number=number, cells=cells)

        def get(key, cells=cells):
            col = mapping.get(key)
            return cells[col] if col is not None and col < len(cells) else ""

        try:
            processor.clean(get, row)
        except Exception:  # a programming error must not lose the row: it is reported with the others
            log.exception("import %s: row %s could not be checked", job.pk, number)
            row.errors.append(_("This row could not be checked."))
        batch.append(row)
        if len(batch) >= CHUNK_SIZE:
            yield [r for r in batch if not r.errors], batch
            batch = []
    if batch:
        yield [r for r in batch if not r.errors], batch


def _progress(job: ImportJob, processed: int, stats: Stats, errors: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=processed,
        created_rows=stats.created,
        updated_rows=stats.updated,
        unchanged_rows=stats.unchanged,
        error_rows=errors,
    )


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """An import makes hundreds of thousands of short-lived objects, and with the default
    thresholds the cyclic collector walks every live object of the process again and again
    (a large part of the import's time). Collect seldom while importing; what the chunks left
    behind is collected at the end."""
    before = gc.get_threshold()
    gc.set_threshold(200_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def run_import(job: ImportJob) -> ImportJob:
    """Validate and write a job's file (called by the Celery task or directly for small files)."""
    with _fewer_collections():
        job = _run_import(job)
    if job.status == ImportStatus.DONE and (job.created_rows or job.updated_rows):
        # New or changed people may be someone already registered: the duplicates page's
        # candidates are computed again (in the background; at once in the embedded default).
        for kind in dedupe.KINDS:
            candidates.request_refresh(kind, actor=job.actor)
    return job


def _run_import(job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_related("actor").get(pk=job.pk)
    if job.status not in (ImportStatus.QUEUED, ImportStatus.UPLOADED, ImportStatus.PREVIEWED):
        return job
    language = job.mapping.get("language") or settings.LANGUAGE_CODE
    with translation.override(language):
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed_rows=0)
        job.status = ImportStatus.RUNNING
        actor = job.actor
        scope = scope_of(actor)
        if scope.is_empty or not has_permission(actor, REGISTRY_IMPORT):
            return _finish(job, ImportStatus.FAILED, _("Your account may no longer import."), Stats(), 0)
        ctx = Context(
            actor=actor, scope=scope, job_ref=f"import-{job.pk}", unit=job.scope_unit, job_id=job.pk
        )
        if not scope.covers_path(job.scope_unit.path):
            return _finish(job, ImportStatus.FAILED, _("Your account may no longer import."), Stats(), 0)
        processor = PROCESSORS[job.kind](ctx)
        try:
            table = _table(job)
            if job.mode == ImportMode.ALL_OR_NOTHING:
                return _all_or_nothing(job, table, processor, ctx)
            return _valid_rows(job, table, processor, ctx)
        except ValidationError as exc:
            return _finish(job, ImportStatus.FAILED, " ".join(exc.messages), Stats(), 0)
        except Exception:
            log.exception("import %s failed", job.pk)
            return _finish(
                job,
                ImportStatus.FAILED,
                _(
                    "The import stopped on an unexpected error; nothing more was written. Try again or ask for help."
                ),
                Stats(),
                0,
            )
        finally:
            job.file.close()


def _valid_rows(job, table, processor, ctx) -> ImportJob:
    book = ErrorBook(table.headers)
    stats, processed, bad, warned = Stats(), 0, 0, 0
    chunks = _chunks(job, table, processor)
    try:
        for good, batch in chunks:
            try:
                with transaction.atomic():
                    chunk_stats = processor.run_chunk(good, write=True)
                    ctx.flush()
            except DatabaseError as exc:
                # A concurrent change broke this chunk: nothing of it was written; its rows come
                # back in the error file so that nothing is lost.
                # The class only: a database message may quote an ID number.
                log.warning(
                    "import %s: chunk ending at row %s rolled back (%s)",
                    job.pk,
                    batch[-1].number,
                    type(exc).__name__,
                )
                ctx.forget()
                chunk_stats = Stats()
                for r in good:
                    if not r.errors:
                        r.errors.append(
                            _("This row could not be saved because of a concurrent change; import it again.")
                        )
            stats.add(chunk_stats)
            for r in batch:
                if r.errors:
                    bad += 1
                    book.add(r.cells, r.errors, r.warnings)
                elif r.warnings:
                    warned += 1
                    book.add(r.cells, [], r.warnings)
            processed += len(batch)
            _progress(job, processed, stats, bad)
        book.save_to(job)
    except BaseException:
        chunks.close()  # stops the reading thread now
        book.discard()
        raise
    message = _(
        "%(created)s created, %(updated)s changed, %(unchanged)s unchanged, %(bad)s rows with errors."
    ) % {
        "created": stats.created,
        "updated": stats.updated,
        "unchanged": stats.unchanged,
        "bad": bad,
    }
    return _finish(
        job,
        ImportStatus.DONE,
        _with_warnings(message, warned) + held_message(processor),
        stats,
        bad,
        processed,
        warned,
    )


def held_message(processor: Processor) -> str:
    held = getattr(processor, "held", 0)
    if not held:
        return ""
    return " " + _(
        "%(n)s rows wait for the village: houses to place in a grid, or tenants' moves to confirm."
    ) % {"n": held}


def _with_warnings(message: str, warned: int) -> str:
    if not warned:
        return message
    return message + " " + _("%(n)s rows were imported with a warning (see the error file).") % {"n": warned}


def _all_or_nothing(job, table, processor, ctx) -> ImportJob:
    book = ErrorBook(table.headers)
    processed, bad = 0, 0
    chunks = _chunks(job, table, processor)
    try:
        for good, batch in chunks:
            processor.run_chunk(good, write=False)
            for r in batch:
                bad += bool(r.errors)
                book.add(r.cells, r.errors, r.warnings, imported=False)
            processed += len(batch)
            _progress(job, processed, Stats(), bad)
        if bad:
            book.save_to(job)
            message = _(
                "Nothing was written: %(bad)s of %(total)s rows have errors. Fix them in the error file and import it again."
            ) % {
                "bad": bad,
                "total": processed,
            }
            return _finish(job, ImportStatus.REJECTED, message, Stats(), bad, processed)
        book.discard()
    except BaseException:
        chunks.close()  # stops the reading thread now
        book.discard()
        raise
    processor.reset()
    stats = Stats()
    book = ErrorBook(table.headers)  # the rows imported with a warning
    try:
        with transaction.atomic():
            for good, batch in _chunks(job, table, processor):
                if len(good) != len(batch):
                    raise Rejected
                stats.add(processor.run_chunk(good, write=True))
                if any(r.errors for r in good):
                    raise Rejected
                ctx.flush()
                for r in good:
                    if r.warnings:
                        book.add(r.cells, [], r.warnings)
    except Rejected:
        ctx.audit_rows = []
        book.discard()
        return _finish(
            job,
            ImportStatus.REJECTED,
            _("Nothing was written: the data changed while importing. Import the file again."),
            Stats(),
            0,
            processed,
        )
    except BaseException:
        book.discard()
        raise
    book.save_to(job)
    message = _("%(created)s created, %(updated)s changed, %(unchanged)s unchanged.") % {
        "created": stats.created,
        "updated": stats.updated,
        "unchanged": stats.unchanged,
    }
    return _finish(
        job,
        ImportStatus.DONE,
        _with_warnings(message, book.warned) + held_message(processor),
        stats,
        0,
        processed,
        book.warned,
    )


def _finish(
    job, status, message, stats: Stats, bad: int, processed: int | None = None, warned: int = 0
) -> ImportJob:
    job.status = status
    job.mapping = {**job.mapping, "warned_rows": warned}
    job.message = message
    job.created_rows, job.updated_rows, job.unchanged_rows = stats.created, stats.updated, stats.unchanged
    job.error_rows = bad
    if processed is not None:
        job.processed_rows = processed
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "message",
            "created_rows",
            "updated_rows",
            "unchanged_rows",
            "error_rows",
            "processed_rows",
            "finished_at",
            "errors_file",
            "mapping",
        ]
    )
    return job


# The task lives beside the work it runs (wangge/registry/tasks.py shows it to Celery's
# discovery); its name is the one queued jobs already carry.
@shared_task(name="wangge.registry.tasks.run_import_task", acks_late=True)
def run_import_task(job_id: int) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    return run_import(job).status
