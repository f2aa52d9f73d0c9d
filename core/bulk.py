"""Inserting many rows without building a model instance for each.

`QuerySet.bulk_create` spends most of its time in Python: a model instance per row
(signals, descriptors, defaults) and a compiled parameter per value. For the batch
paths that write tens of thousands of rows at once (a cohort's review allocations, the
grades of a whole assignment, their events) that is seconds of work for milliseconds
of SQL. `insert_rows` takes plain dicts, fills in the model's Python-side defaults,
prepares only the values that need it (dates, JSON, UUIDs) and sends them in bulk: on
PostgreSQL, from 200 rows, by COPY (a multi-row INSERT there spends most of its time
in the driver, splitting thousands of placeholders in Python); otherwise up to 500
rows in each multi-row INSERT.

It skips `save()`, signals and `full_clean()`, exactly as `bulk_create` does; callers
validate before they write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from itertools import chain, islice

from django.db import connection, models, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone

# Fields whose Python value is already what the database driver takes.
_PASS_THROUGH = (models.IntegerField, models.BooleanField, models.FloatField)
_TEXT = (models.CharField, models.TextField)

BATCH_SIZE = 5000
# Rows per INSERT statement, within the parameter limits of SQLite (32,766) and
# PostgreSQL (65,535).
MULTI_ROW = 500
MAX_PARAMETERS = 30000
# From this many rows PostgreSQL gets COPY; a handful goes as one INSERT, which needs
# no temporary table when conflicts are skipped.
COPY_FROM = 200


def _plain_str(value):
    # A TextChoices member is a str subclass; drivers want the plain value.
    return value if type(value) is str else str(value)


def _prepare(field: models.Field):
    """How a value of this field becomes a query parameter (None: as it is)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, _PASS_THROUGH):
        return None
    if isinstance(target, _TEXT):
        return _plain_str
    return lambda value: field.get_db_prep_save(value, connection)


def _default(field: models.Field):
    """(called per row?, the constant or the callable) for a field a row leaves out."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return True, timezone.now
    if field.has_default() and callable(field.default):
        return True, field.default
    return False, field.get_default()


def insert_rows(model: type[models.Model], rows: Iterable[Mapping], *, ignore_conflicts: bool = False) -> int:
    """Insert `rows` (dicts keyed by field attname, e.g. ``submission_id``) into the
    model's table. A field a row leaves out gets the field's default, called per row
    when it is callable (a UUID primary key, ``timezone.now``). With
    `ignore_conflicts`, rows that break a unique constraint are skipped, as
    ``bulk_create(ignore_conflicts=True)`` does. Returns how many rows were sent."""
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    steps = [(f.attname, _prepare(f), *_default(f)) for f in fields]

    def values(row: Mapping) -> tuple:
        out = []
        for attname, prepare, per_row, default in steps:
            value = row[attname] if attname in row else (default() if per_row else default)
            out.append(value if prepare is None or value is None else prepare(value))
        return tuple(out)

    prepared = map(values, rows)
    if connection.vendor == "postgresql":
        first = list(islice(prepared, COPY_FROM))
        if len(first) == COPY_FROM:
            return _copy_rows(model, fields, chain(first, prepared), ignore_conflicts=ignore_conflicts)
        prepared = iter(first)

    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    head = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) VALUES "
    )
    placeholders = f"({', '.join(['%s'] * len(fields))})"
    suffix = connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    # Many rows per statement: one round trip and one plan per batch, not per row.
    per_statement = max(1, min(MULTI_ROW, MAX_PARAMETERS // len(fields)))

    def statement(rows_in_it: int) -> str:
        sql = head + ", ".join([placeholders] * rows_in_it)
        return f"{sql} {suffix}" if suffix else sql

    sent = 0
    batch: list[tuple] = []
    full = statement(per_statement)

    def flush(cursor) -> None:
        whole, rest = divmod(len(batch), per_statement)
        for index in range(whole):
            chunk = batch[index * per_statement:(index + 1) * per_statement]
            cursor.execute(full, [value for row in chunk for value in row])
        if rest:
            cursor.execute(statement(rest), [value for row in batch[-rest:] for value in row])

    with connection.cursor() as cursor:
        for row in prepared:
            batch.append(row)
            if len(batch) >= BATCH_SIZE:
                flush(cursor)
                sent += len(batch)
                batch = []
        if batch:
            flush(cursor)
            sent += len(batch)
    return sent


def _copy_rows(model: type[models.Model], fields: list[models.Field], rows: Iterable[tuple], *,
               ignore_conflicts: bool) -> int:
    """PostgreSQL: COPY the rows into the table, or, when conflicts are to be skipped,
    into a temporary table and from there with INSERT ... ON CONFLICT DO NOTHING
    (COPY itself cannot skip a row)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    sent = 0
    with transaction.atomic(), connection.cursor() as cursor:
        target = table
        if ignore_conflicts:
            target = quote(f"bulk_{uuid.uuid4().hex}")
            # The columns' types only: no constraints, so the primary key may be left to the table.
            cursor.execute(f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS "  # noqa: S608
                           f"SELECT {columns} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                sent += 1
        if ignore_conflicts:
            # Identifiers from the model and a generated name, all quoted; no user input.
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {target} "  # noqa: S608
                           "ON CONFLICT DO NOTHING")
            cursor.execute(f"DROP TABLE {target}")
    return sent
