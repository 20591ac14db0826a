import uuid

from django.contrib.gis.db import models


class BarePoint(models.Model):
    """The least a report needs: a client-made id (unique, as an incident's client_id) and a WGS84
    point (with a GiST index, as an incident's location)."""

    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    location = models.PointField(srid=4326, spatial_index=True)

    def __str__(self):
        return str(self.client_id)
