import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from grids.demo import DEMO_BOUNDARY, DEMO_GRIDS, CityPlan, build_city
from grids.importing import FieldMap, ImportRefused, import_areas, read_source
from grids.models import Area, Level


class Command(BaseCommand):
    help = "Load the demo city: the real 邓州市 boundary and a generated urban area of streets, communities and grids."

    def add_arguments(self, parser):
        parser.add_argument("--grids", type=int, default=DEMO_GRIDS, help=f"number of grids (default {DEMO_GRIDS})")
        parser.add_argument(
            "--communities",
            type=int,
            help="number of communities (default: 46 for 514 grids, else about one per 11 grids)",
        )
        parser.add_argument("--seed", type=int, default=CityPlan.seed, help="the same seed gives the same city")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the demo district is loaded")
        parser.add_argument("--replace", action="store_true", help="delete the loaded demo district first")

    def handle(self, *args, **opts):
        plan = CityPlan(grids=opts["grids"], communities=opts["communities"], seed=opts["seed"])
        if plan.grids < 1 or not 1 <= plan.community_count() <= plan.grids:
            raise CommandError(_("--grids must be at least 1, and --communities between 1 and the number of grids"))
        loaded = Area.objects.filter(code="411381").exists()
        if loaded and opts["if_empty"]:
            self.stdout.write(_("the demo city is already loaded"))
            return
        if loaded and not opts["replace"]:
            raise CommandError(_("the demo district 411381 is already loaded: use --replace or --if-empty"))
        district = read_source(DEMO_BOUNDARY, FieldMap(code="code", name="name"), srs="gcj02")
        records = district + build_city(district[0].code, district[0].geom, plan)
        try:
            with transaction.atomic():
                if loaded:
                    Area.objects.delete_subtree("411381")
                report = import_areas(records, commit=True)
        except ImportRefused as refused:
            raise CommandError(refused.as_text()) from None
        created = ", ".join(f"{n} {Level(level).label}" for level, n in report.created.items())
        self.ensure_admin()
        self.stdout.write(
            self.style.SUCCESS(_("demo city loaded: %(created)s; topology checked, no problems") % {"created": created})
        )

    def ensure_admin(self):
        """The demo's `admin` account (design.md), with GOVGRID_DEMO_PASSWORD or a random password
        printed once. Other demo accounts come with people and roles."""
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            return
        password = os.environ.get("GOVGRID_DEMO_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "", password)
        if not os.environ.get("GOVGRID_DEMO_PASSWORD"):
            self.stdout.write(_("demo account: admin / %(password)s") % {"password": password})
