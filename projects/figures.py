"""Figures of the project register per area (district, street or community): projects registered,
under way, closed off and withdrawn, their budget; milestones due, closed off, overdue and closed off
on time. One set of rows feeds the API, its CSV and the register page, so the three always agree.

Each figure counts the projects of the area and of the areas inside it, grouped in PostgreSQL by the
leading part of the project's area code (the code is the path); withdrawn projects count as
registered and withdrawn only, not in the milestones or the budget."""

import csv

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Left
from django.utils import timezone

from grids.models import CODE_LENGTH, Area
from grids.models.areas import under_codes

from . import rules
from .models import Milestone, Project

COLUMNS = (
    "code",
    "name",
    "registered",
    "open",
    "closed_off",
    "withdrawn",
    "milestones_due",
    "milestones_closed_off",
    "milestones_overdue",
    "milestones_closed_off_on_time",
    "budget",
)
FIGURE_LEVELS = ("district", "street", "community")


def project_figures(prefixes, level, today=None):
    """[row per area of `level` inside the prefixes, in order of code], each a dict of COLUMNS."""
    today = today or timezone.localdate()
    length = CODE_LENGTH[level]
    areas = Area.objects.filter(under_codes(prefixes), level=level).order_by("code").values_list("code", "name")
    projects = _by_area(Project.objects.filter(under_codes(prefixes, "area__code")), "area__code", length).annotate(
        registered=Count("id"),
        open=Count("id", filter=Q(status=Project.Status.OPEN)),
        closed_off=Count("id", filter=Q(status=Project.Status.CLOSED_OFF)),
        withdrawn=Count("id", filter=Q(status=Project.Status.WITHDRAWN)),
        budget=Sum("budget", filter=~Q(status=Project.Status.WITHDRAWN)),
    )
    milestones = Milestone.objects.filter(under_codes(prefixes, "project__area__code")).exclude(
        project__status=Project.Status.WITHDRAWN
    )
    closed = Q(status=Milestone.Status.CLOSED_OFF)
    milestones = _by_area(milestones, "project__area__code", length).annotate(
        milestones_due=Count("id", filter=Q(due_on__lte=today)),
        milestones_closed_off=Count("id", filter=closed),
        milestones_overdue=Count("id", filter=rules.overdue_q(today)),
        milestones_closed_off_on_time=Count("id", filter=closed & Q(closed_at__date__lte=F("due_on"))),
    )
    counted = {row.pop("unit"): row for row in projects}
    for row in milestones:
        counted.setdefault(row.pop("unit"), {}).update(row)
    return [_row(code, name, counted.get(code, {})) for code, name in areas]


def _by_area(queryset, code_field, length):
    # The rows of an area's projects carry its code as the start of theirs.
    return queryset.annotate(unit=Left(code_field, length)).values("unit").order_by("unit")


def _row(code, name, counts):
    row = {"code": code, "name": name}
    for column in COLUMNS[2:-1]:
        row[column] = counts.get(column) or 0
    budget = counts.get("budget")
    row["budget"] = "0.00" if budget is None else f"{budget:.2f}"
    return row


def write_csv(out, rows):
    """The rows as CSV, one column per figure (the codes and names are the areas' own, set by
    administrators; no cell starts a formula)."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[column] for column in COLUMNS])
