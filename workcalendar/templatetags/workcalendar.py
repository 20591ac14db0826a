from django import template
from django.urls import reverse
from django.utils import timezone

from ..calendar import years_missing_arrangement

register = template.Library()


@register.inclusion_tag("workcalendar/_notice.html", takes_context=True)
def calendar_notice(context, admin=False):
    """A notice naming the years whose arrangement is missing (workcalendar.calendar), with a link
    to the calendar's admin for those who may edit it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    may_edit = bool(user and user.has_perm("workcalendar.change_year"))
    return {
        "years": years_missing_arrangement(timezone.localdate()),
        "admin": admin,
        "edit_url": reverse("admin:workcalendar_year_changelist") if may_edit else "",
    }
