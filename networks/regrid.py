"""What a re-division of the grids does to other networks' cells (grids.generations): a cell placed
in a retired grid is placed in the new grid that holds most of the cell, so a case or a figure
coming from that network still lands in today's grids."""

from django.contrib.gis.db.models.functions import Area as AreaOf
from django.contrib.gis.db.models.functions import Intersection

from grids.models import Area

from .models import CellMapping


def move_cell_mappings(change, plan):
    mappings = CellMapping.objects.select_related("cell").filter(grid_id__in=change.retired).order_by("id")
    for mapping in mappings:
        old = change.retired[mapping.grid_id]
        biggest = (
            Area.objects.filter(id__in=change.successor_ids(mapping.grid_id))
            .annotate(held=AreaOf(Intersection("geom", mapping.cell.geom)))
            .order_by("-held", "code")
            .first()
        )
        new = biggest if biggest is not None and biggest.held.sq_m > 0 else change.target_of(mapping.grid_id)
        mapping.grid = new
        mapping.save(update_fields=["grid"])
        plan.move("network_cell", f"{mapping.cell.layer_id}:{mapping.cell.code}", old.code, new.code, mapping.id)
