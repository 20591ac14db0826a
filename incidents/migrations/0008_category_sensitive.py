"""Categories get a `sensitive` flag (their cases stay out of public Open311 answers), set for the
default classes and items that concern a person's own matters: disputes and livelihood services."""

from django.db import migrations, models


def mark_defaults(apps, schema_editor):
    from incidents.default_categories import mark_sensitive_defaults

    mark_sensitive_defaults(apps.get_model("incidents", "Category"))


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_location_category_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="sensitive",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Cases of this item, or of every item of this class, are left out of public Open311 "
                    "answers (callers without a key)."
                ),
                verbose_name="sensitive",
            ),
        ),
        migrations.RunPython(mark_defaults, migrations.RunPython.noop),
    ]
