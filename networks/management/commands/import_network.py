from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from govgrid.lib.errors import GovgridError
from networks.importing import import_layer
from networks.models import NetworkKind
from networks.reading import read_cells


class Command(BaseCommand):
    help = (
        "Import another network's cells (GeoJSON, GeoPackage or Shapefile, any CRS or GCJ-02) as a layer "
        "of a district, and print how they overlap its grids. A dry run unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file GDAL can read")
        parser.add_argument("--district", required=True, help="the district's code")
        parser.add_argument("--name", required=True, help="the layer's name")
        parser.add_argument("--kind", required=True, choices=NetworkKind.values, help="the network's kind")
        parser.add_argument("--srs", help="source CRS: an EPSG code, gcj02 or bd09; default: what the file says")
        parser.add_argument("--code-field", default="code", help="field holding the cell's code (default: code)")
        parser.add_argument("--name-field", help="field holding the cell's name (default: name, when there is one)")
        parser.add_argument("--layer", help="layer name (default: the first layer)")
        parser.add_argument("--commit", action="store_true", help="write to the database (default: dry run)")

    def handle(self, *args, **opts):
        try:
            source = read_cells(
                opts["path"], code_field=opts["code_field"], name_field=opts["name_field"],
                srs=opts["srs"], layer=opts["layer"],
            )  # fmt: skip
            result = import_layer(source, opts["district"], opts["name"], opts["kind"], commit=opts["commit"])
        except GovgridError as refused:
            problems = refused.extra.get("problems") or []
            raise CommandError("\n".join([f"{refused.field}: {refused.message}", *problems])) from None
        self.print_overlap(source, result.overlap)
        if result.committed:
            self.stdout.write(self.style.SUCCESS(_("committed layer %(id)d with %(n)d cells") % {
                "id": result.layer.pk, "n": len(source.cells)}))  # fmt: skip
        else:
            self.stdout.write(self.style.WARNING(_("dry run: nothing written; add --commit to write")))

    def print_overlap(self, source, overlap):
        self.stdout.write(_("%(n)d cells read from %(file)s (%(srs)s)") % {
            "n": len(source.cells), "file": source.source_name, "srs": source.srs})  # fmt: skip
        self.stdout.write(_("cells cutting across grids: %(n)d (each grid holding more than %(m2)s m²)") % {
            "n": len(overlap.cutting), "m2": f"{overlap.tolerance_m2:g}"})  # fmt: skip
        for cell in overlap.cutting:
            parts = "; ".join(f"{p.grid} {p.name} {p.m2:.1f} m² ({p.share:.1%})" for p in cell.grids)
            self.stdout.write(f"  {cell.code} {cell.name} {cell.m2:.1f} m²: {parts}")
        outside = overlap.outside()
        self.stdout.write(_("cells partly or wholly outside every grid: %(n)d") % {"n": len(outside)})
        for cell in outside:
            self.stdout.write(f"  {cell.code} {cell.name}: {cell.outside_m2:.1f} m² ({cell.outside_share:.1%})")
