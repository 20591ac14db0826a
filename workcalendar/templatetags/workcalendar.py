from django import template
from django.urls import reverse
from django.utils import timezone

from ..calendar import years_missing_arrangement
from ..models import Year

register = template.Library()


@register.inclusion_tag("workcalendar/_notice.html", takes_context=True)
def calendar_notice(context, admin=False):
    """A notice for each year whose arrangement is missing (workcalendar.calendar), linking those who
    may edit the calendar to that year's page in the admin (its add page when it has no row yet)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    may_edit = bool(user and user.has_perm("workcalendar.change_year") and user.has_perm("workcalendar.add_year"))
    years = years_missing_arrangement(timezone.localdate())
    known = set(Year.objects.filter(year__in=years).values_list("year", flat=True)) if years and may_edit else set()
    return {"notices": [(year, may_edit and _edit_url(year, year in known)) for year in years], "admin": admin}


def _edit_url(year, known):
    if known:
        return reverse("admin:workcalendar_year_change", args=[year])
    return reverse("admin:workcalendar_year_add") + f"?year={year}"
