"""The demo city's departments (条线部门): the functional bodies of a county-level city that its
streets hand cases to, with their people, their streets of competence and the routing of the
default categories to them, and the demo account `department_handler` (城市管理局).

The names follow the usual departments of a county-level city after the 2018–2019 institutional
reform; the water company serves only the urban streets (the towns have their own works). Each
department has a head and a few handlers; handling times are the categories' unless the route says
otherwise. Deterministic: the same seed gives the same people.
"""

import numpy as np
from django.db import transaction
from django.utils import timezone

from grids.models import Area, Assignment, Department, Level, Person, Role, is_town_code
from incidents.models import Category, Route

from .people import _People, give_logins

# (code suffix, name, short name, handlers, urban streets only)
DEPARTMENTS = [
    ("cg", "城市管理局", "城管", 6, False),
    ("zj", "住房和城乡建设局", "住建", 4, False),
    ("sj", "市场监督管理局", "市场监管", 3, False),
    ("sl", "水利局", "水利", 2, False),
    ("zls", "自来水公司", "自来水", 3, True),
    ("gd", "供电公司", "供电", 3, False),
    ("ga", "公安局", "公安", 4, False),
    ("sf", "司法局", "司法", 2, False),
    ("mz", "民政局", "民政", 2, False),
    ("yj", "应急管理局", "应急", 2, False),
    ("rq", "燃气公司", "燃气", 2, True),
]
# category code (an item, or a whole class) → (lead department first, then co-handlers often asked),
# with the handling time in working hours where the category's does not fit.
ROUTES = {
    "01": ["cg"],
    "0103": ["zls", "sl"],
    "02": ["zj"],
    "0202": ["ga", "zj"],
    "0203": ["ga", "cg"],
    "03": ["cg"],
    "04": ["cg"],
    "05": ["cg", "sj"],
    "0503": ["zj", "cg"],
    "06": ["sf"],
    "0603": ["zj", "sf"],
    "07": ["yj"],
    "0701": ["yj", "ga"],
    "0702": ["rq", "yj"],
    "0703": ["zj", "yj"],
    "08": ["mz"],
}
HANDLING_HOURS = {"zls": 16, "gd": 16, "rq": 8}  # utilities' own service commitments
ACCOUNT = ("department_handler", "cg")


def build_departments(district_code, seed=411381, password=None):
    """The departments of the demo district, their people and routes; returns the demo account's username."""
    rng = np.random.default_rng(seed + 3)
    district = Area.objects.get(code=district_code)
    urban = [s for s in Area.objects.within(district_code).filter(level=Level.STREET) if not is_town_code(s.code)]
    made = _People(rng, timezone.localdate())
    with transaction.atomic():
        departments, staff = {}, {}
        for suffix, name, short, handlers, urban_only in DEPARTMENTS:
            department = Department.objects.create(
                code=f"{district_code}-{suffix}",
                name=f"{district.name}{name}",
                short_name=short,
                district=district,
                phone=f"0377-6{int(rng.integers(2000000, 2999999))}",
            )
            if urban_only:
                department.streets.set(urban)
            departments[suffix] = department
            head = made.person(party=True)
            staff[suffix] = [head] + [made.person(party=rng.uniform() < 0.6) for _ in range(handlers)]
        Person.objects.bulk_create(made.people)
        rows = []
        for suffix, (head, *handlers) in staff.items():
            for person, role in [(head, Role.DEPARTMENT_HEAD)] + [(h, Role.DEPARTMENT_HANDLER) for h in handlers]:
                rows.append(
                    Assignment(
                        person=person,
                        role=role,
                        area=district,
                        department=departments[suffix],
                        starts_on=made.today.replace(year=made.today.year - int(rng.integers(1, 6))),
                    )
                )
        Assignment.objects.bulk_create(rows)
        categories = {c.code: c for c in Category.objects.filter(code__in=ROUTES)}
        Route.objects.bulk_create(
            Route(
                category=categories[code],
                department=departments[suffix],
                handling_hours=HANDLING_HOURS.get(suffix),
                rank=rank,
            )
            for code, suffixes in ROUTES.items()
            if code in categories
            for rank, suffix in enumerate(suffixes, start=1)
        )
        username, suffix = ACCOUNT
        give_logins({username: staff[suffix][1]}, password)
    return [username]
