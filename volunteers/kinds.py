"""What residents may ask volunteers for, and for whom: short lists in residents' words.
GOVGRID_VOLUNTEER_SERVICE_KINDS picks the kinds offered and their order, and a community may offer
a list of its own (GOVGRID_VOLUNTEER_SERVICE_KINDS_BY_COMMUNITY)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

KINDS = {
    "errands": _("Errands and shopping"),
    "companionship": _("Company and a chat"),
    "repairs": _("Small repairs at home"),
    "cleaning": _("Cleaning and tidying"),
    "health": _("Health checks and medicine"),
    "tutoring": _("Homework help for children"),
    "legal": _("Legal advice"),
    "paperwork": _("Help with forms and paperwork"),
    "other": _("Something else"),
}

FOR_WHOM = {
    "self": _("myself"),
    "elderly_alone": _("an elderly person living alone"),
    "elderly": _("an elderly person"),
    "disabled": _("a person with a disability"),
    "child": _("a child"),
    "family": _("my family"),
    "other": _("someone else"),
}


def offered_in(community_code):
    """The keys of the kinds a community offers, in order."""
    keys = settings.VOLUNTEER_SERVICE_KINDS_BY_COMMUNITY.get(community_code) or settings.VOLUNTEER_SERVICE_KINDS
    return [key for key in keys if key in KINDS]


def choices_in(community_code):
    """[(key, label)] of the kinds a community offers, in the user's language."""
    return [(key, str(KINDS[key])) for key in offered_in(community_code)]
