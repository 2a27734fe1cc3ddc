"""A plain multi-row INSERT for the registration hot path.

Django's insert compiler (and bulk_create's UNNEST arrays on PostgreSQL) cost more CPU than the
database itself spends on a registration (see bench/results.md); this builds the statement once
per model from its own field definitions and binds values exactly as Django would
(`get_db_prep_save`), so types, time zones and JSON behave the same on SQLite and PostgreSQL.
"""

from collections.abc import Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


@cache
def _insert_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    return tuple(
        field for field in model._meta.concrete_fields
        if not field.generated and field is not model._meta.auto_field
    )


@cache
def _row_sql(model: type[models.Model]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _insert_fields(model))
    placeholders = "(" + ", ".join(["%s"] * len(_insert_fields(model))) + ")"
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ", placeholders


def insert(rows: Sequence[models.Model]) -> None:
    """INSERT unsaved instances of one model in one statement and set their primary keys."""
    if not rows:
        return
    model = type(rows[0])
    prefix, placeholders = _row_sql(model)
    fields = _insert_fields(model)
    # The thread's own connection object: each lookup through the django.db.connection proxy
    # costs a context-local read, and there is one per field and row.
    db = connections[DEFAULT_DB_ALIAS]
    params = [field.get_db_prep_save(field.pre_save(row, add=True), db)
              for row in rows for field in fields]
    pk_column = db.ops.quote_name(model._meta.pk.column)
    sql = f"{prefix}{', '.join([placeholders] * len(rows))} RETURNING {pk_column}"
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        # Both databases return the rows of a multi-row VALUES in order, as bulk_create assumes.
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
            row._state.adding = False
            row._state.db = db.alias
