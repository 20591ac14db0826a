import os
import secrets

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from demo.city import DEMO_BOUNDARY, DEMO_GRIDS, CityPlan, build_city
from demo.consultations import build_consultations
from demo.departments import build_departments
from demo.history import build_history
from demo.people import build_people
from demo.projects import build_projects
from demo.ratings import build_ratings
from demo.redivision import build_redivision
from demo.residents import place_codes
from demo.volunteers import build_volunteers
from grids import coverage_table
from grids.importing import FieldMap, ImportRefused, import_areas, read_source
from grids.models import Area, Department, Level, Person, ServiceStation, WorkUnit


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
        parser.add_argument(
            "--history",
            type=int,
            default=20000,
            help="cases over the past year, made through the workflow (default 20000)",
        )
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
        password = os.environ.get("GOVGRID_DEMO_PASSWORD") or secrets.token_urlsafe(12)
        try:
            with transaction.atomic():
                coverage_table.suspend()  # judged once at the end, not per batch of the load
                if loaded:
                    delete_demo_contents("411381")
                    Area.objects.delete_subtree("411381")
                report = import_areas(records, commit=True)
                accounts = build_people("411381", seed=plan.seed, password=password)
                accounts += build_departments("411381", seed=plan.seed, password=password)
                ensure_admin(password)
                place_codes("411381")  # a QR code for every grid and community (码上办)
                cases = build_history("411381", cases=max(0, opts["history"]), seed=plan.seed)
                if cases:  # the year's consultations, and the members' and volunteers' year, go with the cases'
                    build_consultations("411381", np.random.default_rng(plan.seed + 11))
                    accounts += build_volunteers("411381", np.random.default_rng(plan.seed + 13), password)["accounts"]
                    build_ratings("411381", np.random.default_rng(plan.seed + 17))  # a year of star ratings
                    build_projects("411381", np.random.default_rng(plan.seed + 19))  # the project register's year
                    build_redivision("411381")  # a second generation of the grids, in force from today
        except ImportRefused as refused:
            raise CommandError(refused.as_text()) from None
        coverage_table.rebuild()  # after the commit, with the loaded tables' statistics
        created = ", ".join(f"{n} {Level(level).label}" for level, n in report.created.items())
        people = Person.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                _("demo city loaded: %(created)s, %(people)d people, %(cases)d cases; topology checked, no problems")
                % {"created": created, "people": people, "cases": cases}
            )
        )
        if not os.environ.get("GOVGRID_DEMO_PASSWORD"):
            self.stdout.write(
                _("demo accounts %(names)s, password: %(password)s")
                % {"names": ", ".join(["admin", *accounts]), "password": password}
            )


def ensure_admin(password):
    """The demo's `admin` superuser (design.md)."""
    User = get_user_model()
    user = User.objects.filter(username="admin").first() or User(username="admin", is_staff=True, is_superuser=True)
    user.set_password(password)
    user.save()


def delete_demo_contents(code):
    """Cases, people, stations and departments of the demo district, before its areas are replaced
    (Party organisations go with their areas)."""
    from consultations.models import Item
    from incidents.models import Incident, purge_incidents
    from projects.models import purge_projects
    from ratings.models import purge_district as purge_ratings
    from residents.models import ResidentReport
    from volunteers.ledger import purge_district

    purge_ratings(code)  # rounds, stars, schemes and committee seats
    purge_projects(code)  # the project register, its history and evidence files
    purge_district(code)  # services, activities, the ledger, visits and meetings
    Item.objects.filter(community__code__startswith=code).delete()  # consultations, their links to cases
    purge_incidents(Incident.objects.filter(grid__code__startswith=code))
    for report in ResidentReport.objects.filter(grid__code__startswith=code).prefetch_related("photos"):
        for photo in report.photos.all():
            photo.file.delete(save=False)
    ResidentReport.objects.filter(grid__code__startswith=code).delete()  # those that made no case
    Person.objects.filter(
        Q(assignments__area__code__startswith=code)
        | Q(home_community__code__startswith=code)
        | Q(household_links__grid__code__startswith=code)
        | Q(leads__area__code__startswith=code)  # the communities' Party secretaries hold no role
    ).delete()
    get_user_model().objects.filter(username__startswith="rating-", person__isnull=True).delete()  # the rating's
    ServiceStation.objects.filter(area__code__startswith=code).delete()
    WorkUnit.objects.filter(district__code=code).delete()
    Department.objects.filter(district__code=code).delete()  # with their routes
