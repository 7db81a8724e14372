"""Fast inserts for large imports. On PostgreSQL new rows get their ids from the table's
sequence in one query and go in with COPY (psycopg's copy protocol); elsewhere bulk_create.
The rows are complete model instances, so the values are those the ORM would have written."""

from __future__ import annotations

import functools
import json
import operator

from django.db import connection, models
from django.db.models import signals
from django.db.models.base import ModelState


def _converter(field: models.Field):
    """How to read a field's value for COPY, decided once per field."""
    attname = field.attname
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def json_value(obj):
            value = getattr(obj, attname)
            return None if value is None else json.dumps(value, cls=encoder, ensure_ascii=False)

        return json_value
    if isinstance(field, models.FileField):
        return lambda obj: (getattr(obj, attname).name or "") if getattr(obj, attname) else ""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, True)
    plain = (
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.BooleanField,
        models.DateField,  # and DateTimeField
        models.ForeignKey,
    )
    if isinstance(field, plain):
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


@functools.cache
def _converters(model: type[models.Model]) -> tuple:
    return tuple(_converter(f) for f in model._meta.concrete_fields)


def _read_as_is(field: models.Field) -> bool:
    """Whether _converter() reads the attribute as it is."""
    if isinstance(field, models.JSONField | models.FileField):
        return False
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    return isinstance(field, models.CharField | models.TextField | models.IntegerField | models.BooleanField
                      | models.DateField | models.ForeignKey)  # fmt: skip


@functools.cache
def _row_reader(model: type[models.Model]):
    """obj → its COPY row, the values of _converters(): the plain attributes in one attrgetter
    call, the others (auto_now, JSON, files) through their converters, in field order."""
    fields = model._meta.concrete_fields
    read_all = operator.attrgetter(*[f.attname for f in fields])
    special = [
        (i, c) for i, (f, c) in enumerate(zip(fields, _converters(model), strict=True)) if not _read_as_is(f)
    ]
    if len(fields) < 2 or len(special) == len(fields):
        converters = _converters(model)
        return lambda obj: [c(obj) for c in converters]

    def read(obj):
        values = list(read_all(obj))
        for i, convert in special:
            values[i] = convert(obj)
        return values

    return read


@functools.cache
def _init_plan(model: type[models.Model]) -> tuple[tuple[tuple[str, object], ...], frozenset[str]]:
    fields = model._meta.concrete_fields
    return tuple((f.attname, f.get_default) for f in fields), frozenset(f.attname for f in fields)


def build(model: type[models.Model], values: dict):
    """model(**values) for values given by attname (foreign keys as ids), the other fields from
    their defaults. The instance's attributes are set as Model.__init__ would set them, but
    without its per-field descriptor calls (a foreign key id's setter checks the related-object
    cache each time): several times cheaper, which is felt over hundreds of thousands of rows.
    A model with init signal receivers is built through __init__."""
    plan, names = _init_plan(model)
    if not names.issuperset(values):
        raise TypeError(f"{model.__name__} has no field {sorted(set(values) - names)}")
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return model(*[values[name] if name in values else default() for name, default in plan])
    constants, fresh = _defaults(model)
    obj = model.__new__(model)
    obj._state = ModelState()
    state = obj.__dict__
    state.update(constants)
    for name, default in fresh:
        if name not in values:
            state[name] = default()
    state.update(values)
    return obj


_IMMUTABLE = (str, int, float, bool, type(None))


@functools.cache
def _defaults(model: type[models.Model]) -> tuple[dict[str, object], tuple[tuple[str, object], ...]]:
    """A model's field defaults: the immutable ones as values (copied into each instance), the
    others (callables, mutable values) as the functions that make a fresh one."""
    constants: dict[str, object] = {}
    fresh = []
    for f in model._meta.concrete_fields:
        value = f.get_default() if not callable(f.default) else None
        if not callable(f.default) and isinstance(value, _IMMUTABLE):
            constants[f.attname] = value
        else:
            fresh.append((f.attname, f.get_default))
    return constants, tuple(fresh)


def update_column(model: type[models.Model], column: str, pairs: list[tuple[int, int | None]]) -> None:
    """Set one column of many rows in one statement: UPDATE … FROM (VALUES …)."""
    if not pairs:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    field = next(f for f in model._meta.concrete_fields if f.column == column)
    cast = field.cast_db_type(connection)
    pk_cast = model._meta.pk.cast_db_type(connection)
    for start in range(0, len(pairs), 1000):
        part = pairs[start : start + 1000]
        # The casts type the VALUES list (a NULL alone would be read as text); a join, not a
        # subquery per row, which scanned the whole list for every row updated.
        values = ", ".join([f"(CAST(%s AS {pk_cast}), CAST(%s AS {cast}))"] * len(part))
        params = [x for pair in part for x in pair]
        sql = (
            f"WITH v(id, val) AS (VALUES {values}) "  # noqa: S608 - names from the model
            f"UPDATE {table} SET {quote(column)} = v.val FROM v WHERE {table}.id = v.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def copy_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """PostgreSQL only: COPY ready rows (values in the order of `columns`) into a model's table.
    Columns left out take their database default (the id from its sequence)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"  # noqa: S608 - names from the model
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def reserve_ids(objs: list[models.Model]) -> None:
    """PostgreSQL only: give new instances their primary keys from the table's sequence, before
    insert() writes them (so that rows written earlier can refer to them)."""
    if not objs:
        return
    meta = type(objs[0])._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk


def insert(objs: list[models.Model]) -> None:
    """Insert new instances and set their primary keys (those given by reserve_ids() are kept)."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    table = meta.db_table
    fields = list(meta.concrete_fields)
    quote = connection.ops.quote_name
    reserve_ids([obj for obj in objs if obj.pk is None])
    with connection.cursor() as cursor:
        for obj in objs:
            obj._state.adding = False
            obj._state.db = connection.alias
        columns = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:  # noqa: S608 - names from the model
            read = _row_reader(model)
            for obj in objs:
                copy.write_row(read(obj))
