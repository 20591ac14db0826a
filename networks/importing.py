"""Importing a layer of another network: check everything, write the layer and its cells in one
transaction, measure how they overlap the district's grids with the same statement the report
uses (networks.overlap), and keep the writes only when `commit` is true. The management command
import_network and the API's upload both come here."""

from dataclasses import dataclass

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Area, Level

from .models import NetworkCell, NetworkKind, NetworkLayer
from .overlap import overlap_of
from .permissions import check_administrator
from .reading import NetworkRefused


@dataclass
class ImportResult:
    committed: bool
    layer: NetworkLayer  # unsaved after a dry run (its pk is gone with the rollback)
    overlap: object  # networks.overlap.Overlap


def import_layer(source, district, name, kind, user=None, commit=False, as_of=None, tolerance_m2=None):
    """Write the SourceLayer `source` as a layer of `district` (a code); a dry run unless commit.
    `user` is the administrator importing it (None: the server's own command line)."""
    if user is not None:
        check_administrator(user)
    district_area = _district(district)
    name = _layer_name(name)
    if kind not in NetworkKind.values:
        raise NetworkRefused(
            _("Unknown network kind %(kind)r (one of %(kinds)s).")
            % {"kind": kind, "kinds": ", ".join(NetworkKind.values)},
            field="kind",
        )
    with transaction.atomic():
        layer = NetworkLayer.objects.create(
            name=name, kind=kind, district=district_area, source_name=source.source_name[:255], srs=source.srs[:255],
            imported_by=user, imported_at=timezone.now(), cell_count=len(source.cells),
        )  # fmt: skip
        NetworkCell.objects.bulk_create(
            [
                NetworkCell(
                    layer=layer, code=c.code[:64], name=c.name, geom=_multipolygon(c.geom), properties=c.properties
                )
                for c in source.cells
            ],
            batch_size=2000,
        )
        overlap = overlap_of(layer, as_of=as_of, tolerance_m2=tolerance_m2)
        if not commit:
            transaction.set_rollback(True)
    return ImportResult(commit, layer, overlap)


def _district(code):
    area = Area.objects.filter(code=str(code or "").strip(), level=Level.DISTRICT).first()
    if area is None:
        raise NetworkRefused(_("No district has the code %(code)r.") % {"code": code}, field="district")
    return area


def _layer_name(name):
    name = str(name or "").strip()
    if not name or len(name) > 100:
        raise NetworkRefused(_("Give the layer a name of 1 to 100 characters."), field="name")
    return name


def _multipolygon(geom):
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)
