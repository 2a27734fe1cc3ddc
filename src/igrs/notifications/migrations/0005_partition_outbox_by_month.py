"""PostgreSQL: the SMS outbox (append-only, one row per SMS) partitioned by month of
`created_at`. SQLite keeps the plain table. See igrs/core/partitions.py and decision 0067."""

from django.db import migrations

from igrs.core.partitions import partition_table


def partition_outbox(apps, schema_editor):
    partition_table(schema_editor, "notifications_outboxmessage", "created_at")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_part_message_without_constraint")]

    operations = [migrations.RunPython(partition_outbox, migrations.RunPython.noop)]
