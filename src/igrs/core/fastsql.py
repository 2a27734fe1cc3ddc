"""Plain SQL for the registration hot path: multi-row INSERTs, prepared statements, and
statements sent together.

Django's insert compiler (and bulk_create's UNNEST arrays on PostgreSQL) cost more CPU than the
database itself spends on a registration (see bench/results.md); `insert` builds the statement
once per model from its own field definitions and binds values exactly as Django would
(`get_db_prep_save`), so types, time zones and JSON behave the same on SQLite and PostgreSQL.

On PostgreSQL two more costs dominate a registration: parsing and planning the same statements
on every request, and waiting for one answer before sending the next statement. `cursor()`
binds parameters on the server and prepares each statement once per connection (where
settings allow); `batch()` sends statements without waiting (libpq pipeline mode), so a
registration makes three round trips instead of seven. SQLite, in process, needs neither.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models.expressions import Col


@cache
def _insert_fields(model: type[models.Model], with_pk: bool) -> tuple[models.Field, ...]:
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not field.generated and (with_pk or field is not model._meta.auto_field)
    )


def _column(field: models.Field | models.ForeignObjectRel) -> str:
    """The column of a concrete field (only those have one)."""
    assert isinstance(field, models.Field) and field.column is not None, field
    return field.column


@cache
def _row_sql(model: type[models.Model], with_pk: bool) -> tuple[str, str]:
    quote = connection.ops.quote_name
    fields = _insert_fields(model, with_pk)
    columns = ", ".join(quote(_column(field)) for field in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ", placeholders


def insert(rows: Sequence[models.Model], *, read_ids: bool = True) -> None:
    """INSERT unsaved instances of one model in one statement. Rows whose primary keys were
    taken beforehand (see `id_sequence`) are written with them; otherwise the database numbers
    them and, with read_ids, the instances get their keys back (which waits for the answer)."""
    if not rows:
        return
    model = type(rows[0])
    preset = rows[0].pk is not None
    if any((row.pk is not None) != preset for row in rows):
        raise ValueError("either every row has its primary key or none has")
    prefix, placeholders = _row_sql(model, preset)
    fields = _insert_fields(model, preset)
    # The thread's own connection object: each lookup through the django.db.connection proxy
    # costs a context-local read, and there is one per field and row.
    db = connections[DEFAULT_DB_ALIAS]
    params = [
        field.get_db_prep_save(field.pre_save(row, add=True), db)
        for row in rows
        for field in fields
    ]
    sql = f"{prefix}{', '.join([placeholders] * len(rows))}"
    returning = read_ids and not preset
    if returning:
        sql += f" RETURNING {db.ops.quote_name(_column(model._meta.pk))}"
    with cursor() as c:
        c.execute(sql, params)
        if returning:
            # Both databases return the rows of a multi-row VALUES in order, as bulk_create
            # assumes.
            for row, (pk,) in zip(rows, c.fetchall(), strict=True):
                row.pk = pk
    if preset or returning:
        for row in rows:
            row._state.adding = False
            row._state.db = db.alias


@cache
def _select_sql(model: type[models.Model]) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(field)) for field in model._meta.concrete_fields)
    return f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE "


@cache
def _loaders(
    model: type[models.Model],
) -> tuple[tuple[str, ...], tuple[tuple[int, Any, Col], ...]]:
    """Attribute names in column order, and the value converters the ORM would apply to
    each column (the backend's, e.g. SQLite's datetimes, then the field's, e.g. JSON)."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = model._meta.concrete_fields
    converters = []
    for i, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        for convert in db.ops.get_db_converters(column) + field.get_db_converters(db):
            converters.append((i, convert, column))
    return tuple(f.attname for f in fields), tuple(converters)


def select[M: models.Model](
    model: type[M],
    where: str,
    params: Sequence[Any],
    *,
    order_by: str = "",
    limit: int | None = None,
) -> list[M]:
    """Instances of `model` whose row matches `where` (SQL over its columns, %s placeholders):
    what `Model.objects.filter(...)` returns, without compiling a query per request."""
    return start_select(model, where, params, order_by=order_by, limit=limit)()


def start_select[M: models.Model](
    model: type[M],
    where: str,
    params: Sequence[Any],
    *,
    order_by: str = "",
    limit: int | None = None,
) -> Callable[[], list[M]]:
    """`select`, sent now and read by the returned function: inside `batch()`, statements
    sent in between share the round trip."""
    sql = _select_sql(model) + where
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    # Where the router sends the model's reads (the replica, on pages that allow it).
    alias = router.db_for_read(model) or DEFAULT_DB_ALIAS
    c = cursor(alias)
    c.execute(sql, params)

    def read() -> list[M]:
        with c:
            rows = c.fetchall()
        names, converters = _loaders(model)
        db = connections[alias]
        found = []
        for row in rows:
            values = list(row)
            for i, convert, column in converters:
                values[i] = convert(values[i], column, db)
            found.append(model.from_db(db.alias, names, values))
        return found

    return read


def update(
    model: type[models.Model],
    pk: Any,
    changes: dict[str, Any],
    *,
    where: str = "",
    params: Sequence[Any] = (),
    increment: str = "",
) -> int:
    """UPDATE one row's fields (by name, values as the ORM would store them), optionally
    adding 1 to the `increment` column, only if `where` also holds. Returns rows changed."""
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    meta = model._meta
    sets, values = [], []
    for name, value in changes.items():
        field = meta.get_field(name)
        assert isinstance(field, models.Field), name  # a column, not a reverse relation
        if field.is_relation and isinstance(value, models.Model):
            value = value.pk
        sets.append(f"{quote(_column(field))} = %s")
        values.append(field.get_db_prep_save(value, db))
    if increment:
        column = quote(_column(meta.get_field(increment)))
        sets.append(f"{column} = {column} + 1")
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} "
        f"WHERE {quote(_column(meta.pk))} = %s{f' AND {where}' if where else ''}"
    )
    with cursor() as c:
        c.execute(sql, [*values, pk, *params])
        return c.rowcount


def cursor(alias: str = DEFAULT_DB_ALIAS) -> Any:
    """A cursor for hand-written hot-path statements. On PostgreSQL its parameters are bound
    by the server, so psycopg can prepare each statement once per connection
    (IGRS_DB_PREPARED); Django's own cursors interpolate parameters client-side and never
    prepare. Statements still pass through Django's wrapper (query logging, error types)."""
    db = connections[alias]
    if db.vendor != "postgresql":
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        # django-stubs declares neither the private _prepare_cursor nor the constructor
        # ServerBindingCursor inherits from psycopg's cursor.
        return db._prepare_cursor(ServerBindingCursor(db.connection))  # type: ignore[attr-defined, call-arg]


def batch() -> Any:
    """Within the block, PostgreSQL statements are sent without waiting for each answer
    (pipeline mode); reading a result waits for everything sent before it. Errors surface at
    that read or, at the latest, when the block ends. Elsewhere a no-op. Only the primary's
    connection is pipelined: reads routed to the replica wait for each answer."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        return nullcontext()
    return _pipeline(db)


@contextmanager
def _pipeline(db: Any) -> Iterator[None]:
    db.ensure_connection()
    with db.wrap_database_errors, db.connection.pipeline():
        yield


def id_sequence(model: type[models.Model]) -> str:
    """SQL for the next value of the model's id sequence (PostgreSQL), to number rows before
    inserting them, in a statement that is sent anyway."""
    table = model._meta.db_table
    column = model._meta.pk.column
    return f"nextval(pg_get_serial_sequence('{table}', '{column}'))"
