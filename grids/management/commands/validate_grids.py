import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils.translation import gettext as _

from grids.models import Area, Level
from grids.validation import validate_area


class Command(BaseCommand):
    help = (
        "Check an area and everything inside it: invalid boundaries, gaps, overlaps between "
        "siblings, children outside their parent. Exits 1 when there are problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("area", help="area code, e.g. 411381")
        parser.add_argument("--tolerance", type=float, help=f"m² (default {settings.GRID_TOLERANCE_M2})")
        parser.add_argument("--json", action="store_true", help="print problems as JSON lines")

    def handle(self, *args, **opts):
        code = opts["area"]
        if not Area.objects.filter(code=code).exists():
            raise CommandError(_("No area has the code %(code)s.") % {"code": code})
        tolerance = settings.GRID_TOLERANCE_M2 if opts["tolerance"] is None else opts["tolerance"]
        problems = validate_area(code, tolerance)
        for p in problems:
            self.stdout.write(json.dumps(p.as_dict(), ensure_ascii=False) if opts["json"] else p.describe())
        summary = dict(Area.objects.within(code).values_list("level").annotate(n=Count("id")).order_by())
        if not opts["json"]:
            sizes = ", ".join(f"{summary[level]} {level.label}" for level in Level if level in summary)
            self.stdout.write(
                _("checked %(code)s (%(sizes)s) with a tolerance of %(tol)s m²: %(n)d problem(s)")
                % {"code": code, "sizes": sizes, "tol": tolerance, "n": len(problems)}
            )
        if problems:
            sys.exit(1)
