"""What a resident may say a report is about: a short list in residents' words, each suggesting the
category item the case will most likely be accepted under (the grid worker chooses the real one).
GOVGRID_RESIDENT_TOPICS picks which are offered, and in what order."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Topic:
    key: str
    label: object  # lazily translated
    category: str | None  # the category item suggested on acceptance


TOPICS = {
    topic.key: topic
    for topic in (
        Topic("rubbish", _("Rubbish, dirty streets"), "0301"),
        Topic("roads", _("Broken roads or pavements"), "0201"),
        Topic("facilities", _("Street lights, manhole covers, pipes"), "0102"),
        Topic("order", _("Stalls, clutter, parking on the way"), "0501"),
        Topic("greenery", _("Trees and green spaces"), "0401"),
        Topic("safety", _("Fire, gas or building danger"), "0701"),
        Topic("dispute", _("Disputes between neighbours"), "0601"),
        Topic("help", _("Help for someone in need"), "0801"),
        Topic("other", _("Something else"), None),
    )
}


def offered():
    """The topics offered on the resident page, in the setting's order."""
    return [TOPICS[key] for key in settings.RESIDENT_TOPICS]
