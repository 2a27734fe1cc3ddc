from django.db import migrations


class Migration(migrations.Migration):
    """The rate-limit hits now belong to core (igrs_core 0003); the table stays."""

    dependencies = [
        ('portal', '0001_otp_and_rate_hits'),
        ('igrs_core', '0003_ratehit_from_portal'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='RateHit'),
        ]),
    ]
