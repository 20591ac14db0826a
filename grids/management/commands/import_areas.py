from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from grids.importing import FieldMap, ImportRefused, import_areas, read_source
from grids.models import Level


class Command(BaseCommand):
    help = (
        "Import area boundaries (district, street, community, grid) from GeoJSON, GeoPackage or "
        "Shapefile. A dry run unless --commit; writes everything or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file GDAL can read")
        parser.add_argument("--layer", help="layer name (default: the first layer)")
        parser.add_argument(
            "--srs", help="source CRS: an EPSG code (4326, EPSG:4490, ...), gcj02 or bd09; default: what the file says"
        )
        for role, default in (
            ("code", "code"),
            ("name", "name"),
            ("parent", None),
            ("level", None),
            ("kind", None),
            ("households", None),
            ("population", None),
        ):
            parser.add_argument(
                f"--{role}-field",
                default=default,
                help=f"source field holding the {role}" + (f" (default: {default})" if default else " (optional)"),
            )
        parser.add_argument("--tolerance", type=float, help="m²; gaps and overlaps below it are ignored")
        parser.add_argument("--commit", action="store_true", help="write to the database (default: dry run)")

    def handle(self, *args, **opts):
        fields = FieldMap(**{role: opts[f"{role}_field"] for role in FieldMap.__dataclass_fields__})
        try:
            records = read_source(opts["path"], fields, srs=opts["srs"], layer=opts["layer"])
            report = import_areas(records, commit=opts["commit"], tolerance_m2=opts["tolerance"])
        except ImportRefused as refused:
            raise CommandError(refused.as_text()) from None
        for label, counts in ((_("created"), report.created), (_("updated"), report.updated)):
            for level, n in counts.items():
                self.stdout.write(f"{label}: {n} {Level(level).label}")
        self.stdout.write(_("topology checked under: %(codes)s — no problems") % {"codes": ", ".join(report.checked)})
        if report.committed:
            self.stdout.write(self.style.SUCCESS(_("committed %(n)d areas") % {"n": report.total}))
        else:
            self.stdout.write(self.style.WARNING(_("dry run: nothing written; add --commit to write")))
