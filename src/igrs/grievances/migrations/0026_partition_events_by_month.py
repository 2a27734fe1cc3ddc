"""PostgreSQL: the timeline (append-only, the largest table) partitioned by month of `at`.
SQLite keeps the plain table. See igrs/core/partitions.py and decision 0067."""

from django.db import migrations

from igrs.core.partitions import partition_table


def partition_events(apps, schema_editor):
    partition_table(schema_editor, "grievances_event", "at")


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0025_attachment_event_without_constraint"),
        ("open311", "0006_delivery_event_without_constraint"),  # no constraint points here now
    ]

    operations = [migrations.RunPython(partition_events, migrations.RunPython.noop)]
