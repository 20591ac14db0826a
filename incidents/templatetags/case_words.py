"""The words of a case on pages: its statuses, levels and actions by their translated labels, never
the raw values stored in the database."""

from django import template
from django.utils.translation import gettext_lazy as _

from grids.models import Level

from ..models import Status
from ..workflow import ACTIONS

register = template.Library()

EVENT_LABELS = {"report": _("reported the case")}  # the one event that is not a workflow action


@register.filter
def status_label(value):
    return Status(value).label if value in Status.values else value or "—"


@register.filter
def level_label(value):
    return Level(value).label if value in Level.values else value or "—"


@register.filter
def action_label(value):
    if value in ACTIONS:
        return ACTIONS[value].label
    return EVENT_LABELS.get(value, value)
