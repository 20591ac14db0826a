"""The cases' location indexed with their category (btree_gist lets GiST hold the bigint), in place of
the location's own index: a report's duplicate search finds its candidates in one index, and
searches by place alone use its first column. The new index is built before the old one goes."""

import django.contrib.gis.db.models.fields
import django.contrib.postgres.indexes
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0006_no_code_pattern_index"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.AddIndex(
            model_name="incident",
            index=django.contrib.postgres.indexes.GistIndex(
                fields=["location", "category"], name="incident_location_category"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="location",
            field=django.contrib.gis.db.models.fields.PointField(
                spatial_index=False, srid=4326, verbose_name="location"
            ),
        ),
    ]
