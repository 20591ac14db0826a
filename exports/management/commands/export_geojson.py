import os
import shutil
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from exports.layers import LAYERS
from exports.plan import FILTERS, FORMATS, plan_export
from govgrid.lib.errors import GovgridError
from grids.scopes import Scope

# Without --as-user: every area, and residents' contacts masked, as an analyst gets them.
EVERY_AREA_MASKED = Scope(read=("",))


class Command(BaseCommand):
    help = (
        "Export incidents, grids or coverage as GeoJSON (RFC 7946), GeoJSONSeq, CSV or GeoPackage, "
        "with the same filters and rules as GET /api/v1/export/<kind>.<format>. Without --as-user the "
        "export holds every area with residents' contacts masked; with --as-user it holds exactly what "
        "that account would download (its scope; contacts shown only where its role may see personal data, "
        "so --as-user with an administrator's account gives the full, unmasked export)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(LAYERS))
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="geojson")
        parser.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
        parser.add_argument("--as-user", help="export as this account sees it: its scope and its masking")
        parser.add_argument("--area", help="an area code: only what lies in that area")
        parser.add_argument("--status", help="incidents: a case status; coverage: full, partial or none")
        parser.add_argument("--category", help="incidents: a category code (a class's code takes all its items)")
        parser.add_argument("--level", help="incidents: grid, community or street; grids: the areas' level")
        parser.add_argument("--since", help="incidents received from this date or time on (ISO 8601)")
        parser.add_argument("--until", help="incidents received before this date or time (ISO 8601)")
        parser.add_argument("--bbox", help="minlon,minlat,maxlon,maxlat (WGS84)")
        parser.add_argument("--geometry", choices=["lonlat", "wkt"], help="CSV: lon and lat columns, or a WKT column")

    def handle(self, *args, kind, fmt, output, as_user, **opts):
        scope = EVERY_AREA_MASKED
        if as_user:
            user = get_user_model().objects.filter(username=as_user).first()
            if user is None:
                raise CommandError(_("No account is called %(name)s.") % {"name": as_user})
            scope = Scope.for_user(user)
        params = {name: opts[name] for name in (*FILTERS, "geometry") if opts.get(name) is not None}
        try:
            export = plan_export(kind, params, scope, fmt)
        except GovgridError as error:
            raise CommandError(f"--{error.field}: {error.message}" if error.field else str(error.message)) from None
        except ValidationError as error:
            field, messages = next(iter(error.detail.items()))
            raise CommandError(f"--{field}: {messages[0]}") from None
        if output == "-":
            self._write(export, fmt, sys.stdout.buffer)
        else:
            self._write_file(export, fmt, output)
        self.stderr.write(_("%(n)d features written.") % {"n": export.count})

    @staticmethod
    def _write(export, fmt, out):
        if fmt == "gpkg":
            with export.geopackage_file() as file:
                shutil.copyfileobj(file, out)
        else:
            for chunk in export.chunks(fmt):
                out.write(chunk)
        out.flush()

    def _write_file(self, export, fmt, path):
        """Written beside the target and renamed at the end: a failed export leaves no half file."""
        partial = f"{path}.part"
        try:
            if fmt == "gpkg":
                if os.path.exists(partial):
                    os.unlink(partial)
                export.write_geopackage(partial)
            else:
                with open(partial, "wb") as out:
                    self._write(export, fmt, out)
            os.replace(partial, path)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
