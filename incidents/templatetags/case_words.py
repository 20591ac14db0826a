"""The words of a case on pages, from incidents.words: never the raw values stored in the database."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from .. import words

register = template.Library()


@register.filter
def status_label(value):
    return words.status_label(value)


@register.filter
def case_status(incident):
    """A case's status as people read it (已提级 after an escalation, 已退回 after a return)."""
    return words.case_status_label(incident)


@register.filter
def level_label(value):
    return words.level_label(value)


@register.filter
def action_label(value):
    return words.event_label(value)


@register.filter
def when(value):
    """A moment in the one convention of the pages (settings: govgrid/formats), local time."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"
