"""A layer and its overlap report as the API answers them (JSON and CSV) and the pages show them."""

import csv
import io

from govgrid.lib.spreadsheet import safe_cell

from .models import CellMapping


def layer_json(layer):
    return {
        "id": layer.pk,
        "name": layer.name,
        "kind": layer.kind,
        "kind_label": str(layer.get_kind_display()),
        "district": layer.district.code,
        "district_name": layer.district.name,
        "source_name": layer.source_name,
        "srs": layer.srs,
        "imported_by": layer.imported_by.get_username() if layer.imported_by_id else None,
        "imported_at": layer.imported_at,
        "cell_count": layer.cell_count,
        "accepted": CellMapping.objects.filter(cell__layer=layer).count() if layer.pk else 0,
    }


def mappings_of(layer):
    """{cell code: its accepted mapping as JSON}."""
    rows = CellMapping.objects.filter(cell__layer=layer).select_related("cell", "grid", "accepted_by")
    return {m.cell.code: mapping_json(m) for m in rows}


def mapping_json(mapping):
    return {
        "grid": mapping.grid.code if mapping.grid_id else None,
        "grid_name": mapping.grid.name if mapping.grid_id else None,
        "split": mapping.split,
        "accepted_by": mapping.accepted_by.get_username() if mapping.accepted_by_id else None,
        "accepted_at": mapping.accepted_at,
    }


def overlap_json(layer, report, mappings=None):
    mappings = mappings_of(layer) if mappings is None and layer.pk else (mappings or {})
    return {
        "layer": layer.pk,
        "district": layer.district.code,
        "as_of": report.as_of,
        "tolerance_m2": report.tolerance_m2,
        "summary": {
            "cells": len(report.cells),
            "cutting": len(report.cutting),
            "outside": len(report.outside()),
            "accepted": len(mappings),
        },
        "cells": [cell_json(c, mappings.get(c.code)) for c in report.cells],
        "grids": [
            {
                "grid": code,
                "name": name,
                "m2": grid_m2,
                "cells": [
                    {
                        "cell": cell.code,
                        "name": cell.name,
                        "m2": p.m2,
                        "share_of_grid": p.share_of_grid,
                        "share_of_cell": p.share,
                    }
                    for cell, p in covering
                ],
            }  # fmt: skip
            for code, (name, grid_m2, covering) in report.by_grid().items()
        ],
    }


def cell_json(cell, mapping=None):
    return {
        "code": cell.code,
        "name": cell.name,
        "m2": cell.m2,
        "outside_m2": cell.outside_m2,
        "outside_share": cell.outside_share,
        "cuts_across": cell.cuts_across,
        "default_grid": cell.default_grid,
        "mapping": mapping,
        "grids": [
            {"grid": p.grid, "name": p.name, "m2": p.m2, "share": p.share, "grid_m2": p.grid_m2,
             "share_of_grid": p.share_of_grid}
            for p in cell.grids
        ],
    }  # fmt: skip


CSV_COLUMNS = ["cell", "cell_name", "cell_m2", "cuts_across", "grid", "grid_name", "m2", "share_of_cell",
               "share_of_grid"]  # fmt: skip
NUMERIC = {"cell_m2", "m2", "share_of_cell", "share_of_grid"}


def overlap_csv(report):
    """One row per piece of a cell in a grid, and one with no grid for a cell's outside part."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for cell in report.cells:
        rows = [(p.grid, p.name, p.m2, p.share, p.share_of_grid) for p in cell.grids]
        if cell.outside_m2 >= report.tolerance_m2 or not rows:
            rows.append(("", "", cell.outside_m2, cell.outside_share, ""))
        for grid, grid_name, m2, share, share_of_grid in rows:
            values = dict(zip(CSV_COLUMNS, [cell.code, cell.name, cell.m2, int(cell.cuts_across), grid, grid_name,
                                            m2, share, share_of_grid], strict=True))  # fmt: skip
            writer.writerow([safe_cell(values[c], numeric=c in NUMERIC) for c in CSV_COLUMNS])
    return out.getvalue()
