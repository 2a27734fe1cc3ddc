from django.db import migrations, models


class Migration(migrations.Migration):
    """The rate-limit hits move from the portal to core (every face limits rates); the table
    stays where it is, so only Django's record of which app owns it changes."""

    dependencies = [
        ('igrs_core', '0002_more_roles'),
        ('portal', '0001_otp_and_rate_hits'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='RateHit',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('bucket', models.CharField(max_length=30, verbose_name='limit')),
                    ('key', models.CharField(max_length=64, verbose_name='counted for')),
                    ('at', models.DateTimeField(verbose_name='at')),
                ],
                options={
                    'verbose_name': 'rate-limit hit',
                    'verbose_name_plural': 'rate-limit hits',
                    'db_table': 'portal_ratehit',
                    'indexes': [models.Index(fields=['bucket', 'key', 'at'], name='ratehit_lookup')],
                },
            ),
        ]),
    ]
