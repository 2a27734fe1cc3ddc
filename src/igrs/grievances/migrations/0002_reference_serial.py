"""Reference serials: a sequence on PostgreSQL (no row lock between concurrent registrations),
a counter row elsewhere (SQLite serialises writers anyway)."""

from django.db import migrations


def create_serial(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS igrs_reference_serial")
    else:
        apps.get_model("grievances", "ReferenceCounter").objects.get_or_create(pk=1)


def drop_serial(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS igrs_reference_serial")
    else:
        apps.get_model("grievances", "ReferenceCounter").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("grievances", "0001_initial")]
    operations = [migrations.RunPython(create_serial, drop_serial)]
