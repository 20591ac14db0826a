from django.db import migrations


def forwards(apps, schema_editor):
    from incidents.default_categories import load_default_categories

    load_default_categories(apps.get_model("incidents", "Category"))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_incidents")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
