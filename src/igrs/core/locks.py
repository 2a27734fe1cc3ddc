from django.db import connection


def lock_for_transaction(key: str) -> None:
    """Serialise transactions that use the same key until they end. PostgreSQL takes an
    advisory lock; SQLite needs none, its writers (BEGIN IMMEDIATE) already queue."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
