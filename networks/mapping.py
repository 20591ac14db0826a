"""Accepting where another network's cells go, and placing their cases and figures by it.

An administrator accepts every cell's default at once (the grid holding most of the cell, from
networks.overlap) or sets one cell's grid, or "split by shares" for a cell that really is shared.
`place` then answers for one cell and `figures_by_grid` turns a figure per cell into figures per
unified grid. A cell nobody accepted is not placed: nothing from another network lands in a grid
until an administrator said where.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError, NotFound, Unprocessable
from grids.models import Area, Level

from .models import CellMapping, NetworkCell
from .overlap import overlap_of
from .permissions import check_administrator


@dataclass
class Placement:
    cell: str
    grid: Area | None  # the accepted grid; None when the cell is split by shares
    shares: list  # [(grid code, share of the cell)] for a split cell, else [(grid code, 1.0)]
    outside_share: float = 0.0  # of a split cell, the part no grid holds


def accept_defaults(layer, user, as_of=None):
    """Every cell with no accepted mapping placed in the grid holding most of it, in one
    transaction; the cells that no grid holds are left unplaced. Returns (accepted, unplaced codes)."""
    check_administrator(user)
    with transaction.atomic():
        taken = set(CellMapping.objects.filter(cell__layer=layer).values_list("cell__code", flat=True))
        report = overlap_of(layer, as_of=as_of)
        wanted = {c.code: c.default_grid for c in report.cells if c.code not in taken}
        grids = dict(_grids_of(layer, {g for g in wanted.values() if g}, as_of).values_list("code", "pk"))
        cells = dict(NetworkCell.objects.filter(layer=layer, code__in=wanted).values_list("code", "pk"))
        now = timezone.now()
        made = [
            CellMapping(cell_id=cells[code], grid_id=grids[grid], accepted_by=user, accepted_at=now)
            for code, grid in wanted.items()
            if grid
        ]
        CellMapping.objects.bulk_create(made)
    return len(made), sorted(code for code, grid in wanted.items() if not grid)


def set_mapping(layer, cell_code, user, grid=None, split=False):
    """One cell placed in `grid` (a code of a current grid of the layer's district), or split by shares."""
    check_administrator(user)
    cell = cell_of(layer, cell_code)
    if split == bool(grid):
        raise GovgridError(_("Give either a grid or split, not both and not neither."), field="grid")
    target = None
    if grid:
        target = _grids_of(layer, {grid}).first()
        if target is None:
            raise GovgridError(
                _("%(code)s is not a current grid of %(district)s.") % {"code": grid, "district": layer.district.name},
                field="grid",
            )
    with transaction.atomic():
        mapping, _created = CellMapping.objects.select_for_update().update_or_create(
            cell=cell,
            defaults={"grid": target, "split": bool(split), "accepted_by": user, "accepted_at": timezone.now()},
        )
    return mapping


def place(layer, cell_code, as_of=None):
    """The Placement of one cell by its accepted mapping; 422 when none was accepted."""
    cell = cell_of(layer, cell_code)
    mapping = CellMapping.objects.select_related("grid").filter(cell=cell).first()
    if mapping is None:
        raise Unprocessable(
            _("The cell %(code)s has no accepted mapping yet: an administrator accepts it first.")
            % {"code": cell.code},
            field="cell",
        )
    if not mapping.split:
        return Placement(cell.code, mapping.grid, [(mapping.grid.code, 1.0)])
    overlap = overlap_of(layer, as_of=as_of, cell=cell.code).cells[0]
    return Placement(cell.code, None, [(p.grid, p.share) for p in overlap.grids], overlap.outside_share)


def cell_of(layer, code):
    cell = NetworkCell.objects.filter(layer=layer, code=str(code or "").strip()).first()
    if cell is None:
        raise NotFound(_("The layer has no cell %(code)s.") % {"code": code}, field="cell")
    return cell


def figures_by_grid(layer, figures, by="mapping", as_of=None):
    """{cell code: number} → ({grid code: number}, the part no grid holds).

    by="mapping": a cell's figure goes whole to its accepted grid, a split cell's by its shares;
    a cell with no accepted mapping is refused (422 naming them). by="shares": every cell's figure
    is split by its area shares, accepted or not. The part of a split cell no grid holds is `outside`."""
    values = _numbers(figures)
    known = NetworkCell.objects.filter(layer=layer, code__in=values).values_list("code", flat=True)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise GovgridError(
            _("The layer has no cell %(codes)s.") % {"codes": "、".join(unknown[:20])}, field="figures", cells=unknown
        )
    mapped = {
        m.cell.code: m
        for m in CellMapping.objects.select_related("cell", "grid").filter(cell__layer=layer, cell__code__in=values)
    }
    whole = {} if by == "shares" else {code: m.grid.code for code, m in mapped.items() if not m.split}
    if by != "shares":
        unplaced = sorted(set(values) - set(mapped))
        if unplaced:
            raise Unprocessable(
                _("These cells have no accepted mapping yet: %(codes)s.") % {"codes": "、".join(unplaced[:20])},
                field="figures", cells=unplaced,
            )  # fmt: skip
    totals, outside = {}, Decimal(0)
    for code, grid in whole.items():
        totals[grid] = totals.get(grid, Decimal(0)) + values[code]
    shared = [code for code in values if code not in whole]
    if shared:
        for cell in overlap_of(layer, as_of=as_of).cells:
            if cell.code in shared:
                for piece in cell.grids:
                    part = values[cell.code] * Decimal(str(piece.share))
                    totals[piece.grid] = totals.get(piece.grid, Decimal(0)) + part
                outside += values[cell.code] * Decimal(str(cell.outside_share))
    return dict(sorted(totals.items())), outside


def _numbers(figures):
    if not isinstance(figures, dict) or not figures:
        raise GovgridError(_("Send a JSON object {cell code: number}."), field="figures")
    values = {}
    for code, value in figures.items():
        try:
            number = None if isinstance(value, bool) else Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite():
            message = _("The figure of %(code)s is not a number: %(value)r.") % {"code": code, "value": value}
            raise GovgridError(message, field="figures")
        values[str(code)] = number
    return values


def _grids_of(layer, codes, as_of=None):
    grids = Area.every.as_of(as_of) if as_of else Area.objects
    return grids.filter(level=Level.GRID, code__in=codes, code__startswith=layer.district.code)
