from django.db import migrations, models


class Migration(migrations.Migration):
    """纳入日期, nullable until ``backfill_entered_on`` has given every existing row one."""

    dependencies = [
        ("children", "0005_add_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="child",
            name="entered_on",
            field=models.DateField(null=True, verbose_name="date entered"),
        ),
        migrations.AddField(
            model_name="historicalchild",
            name="entered_on",
            field=models.DateField(null=True, verbose_name="date entered"),
        ),
    ]
