"""PostgreSQL: the integrations' access log (one row per request) partitioned by month of
`at`. SQLite keeps the plain table. See igrs/core/partitions.py and decision 0067."""

from django.db import migrations

from igrs.core.partitions import partition_table


def partition_calls(apps, schema_editor):
    partition_table(schema_editor, "open311_call", "at")


class Migration(migrations.Migration):
    dependencies = [("open311", "0006_delivery_event_without_constraint")]

    operations = [migrations.RunPython(partition_calls, migrations.RunPython.noop)]
