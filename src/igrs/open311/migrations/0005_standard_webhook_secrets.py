"""Webhook secrets in the Standard Webhooks form ("whsec_" + base64). An older secret keeps its
bytes (its text, encoded), so the signatures a receiver already checks do not change."""

import base64

from django.db import migrations, models

PREFIX = "whsec_"


def to_standard(apps, schema_editor):
    IntegrationKey = apps.get_model("open311", "IntegrationKey")
    for key in IntegrationKey.objects.exclude(webhook_secret="").exclude(
        webhook_secret__startswith=PREFIX
    ):
        key.webhook_secret = PREFIX + base64.b64encode(key.webhook_secret.encode()).decode()
        key.save(update_fields=["webhook_secret"])


def to_legacy(apps, schema_editor):
    IntegrationKey = apps.get_model("open311", "IntegrationKey")
    for key in IntegrationKey.objects.filter(webhook_secret__startswith=PREFIX):
        raw = base64.b64decode(key.webhook_secret.removeprefix(PREFIX))
        key.webhook_secret = raw.hex() if len(raw) == 32 else raw.decode()
        key.save(update_fields=["webhook_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0004_cursor_gaps"),
    ]

    operations = [
        migrations.AlterField(
            model_name="integrationkey",
            name="webhook_secret",
            field=models.CharField(blank=True, max_length=100, verbose_name="webhook secret"),
        ),
        migrations.RunPython(to_standard, to_legacy),
    ]
