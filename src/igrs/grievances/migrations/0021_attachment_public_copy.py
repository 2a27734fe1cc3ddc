"""The complainant's copy of each file, made once at upload; files already stored get theirs
here (a photo re-encoded without metadata, a PDF as it is)."""

from django.core.files.base import ContentFile
from django.db import migrations, models

import igrs.grievances.models
from igrs.grievances import evidence


def make_public_copies(apps, schema_editor):
    Attachment = apps.get_model("grievances", "Attachment")
    for attachment in Attachment.objects.filter(public_file="").iterator(chunk_size=200):
        if not attachment.content_type.startswith("image/"):
            attachment.public_file.name = attachment.file.name
        else:
            try:
                with attachment.file.open("rb") as stored:
                    public = evidence.without_metadata(stored.read(), attachment.content_type)
            except (OSError, evidence.CannotClean):
                continue  # no clean copy: the complainant is not given this one
            attachment.public_file.save("public", ContentFile(public), save=False)
        attachment.save(update_fields=["public_file"])


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0020_desk_holds_with_a_time_limit"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="public_file",
            field=models.FileField(
                blank=True,
                upload_to=igrs.grievances.models.public_path,
                verbose_name="copy without metadata",
            ),
        ),
        migrations.RunPython(make_public_copies, migrations.RunPython.noop),
    ]
