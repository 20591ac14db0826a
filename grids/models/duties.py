"""The grid Party group's duties, 三个一: a household visit every week by each member linked to
households, a situation analysis (民情研判) every month, training every year.

A visit is recorded against the household link it serves (the member, the grid and how many
households the link holds); a meeting against the grid (or community) whose Party body held it,
with who attended. Both carry the `client_id` the phone made, so a phone that sends a record again
after a lost answer never records it twice. What a visit or a meeting finds (a case, a service
request) is the business of the apps above (volunteers), which link back to these rows.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .areas import Area
from .people import HouseholdLink, Person


class Visit(models.Model):
    """One weekly visit of a member to the households of their link (入户走访)."""

    client_id = models.UUIDField(unique=True)
    link = models.ForeignKey(
        HouseholdLink, verbose_name=_("household link"), on_delete=models.PROTECT, related_name="visits"
    )
    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="visits")
    grid = models.ForeignKey(Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("visited on"))
    households_reached = models.PositiveIntegerField(_("households reached"))
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        indexes = [models.Index(fields=["grid", "visited_on"]), models.Index(fields=["person", "visited_on"])]
        constraints = [models.CheckConstraint(name="visit_reaches_a_household", condition=Q(households_reached__gt=0))]


class PartyMeeting(models.Model):
    """A meeting of a grid's (or a community's) Party body: the monthly situation analysis, or a
    training session."""

    class Kind(models.TextChoices):
        ANALYSIS = "analysis", _("situation analysis (民情研判)")
        TRAINING = "training", _("training")

    client_id = models.UUIDField(unique=True)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="party_meetings")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    attendees = models.ManyToManyField(Person, verbose_name=_("attendees"), blank=True, related_name="party_meetings")
    others_attending = models.PositiveIntegerField(_("others attending"), default=0)
    issues = models.TextField(_("issues discussed"), max_length=4000, blank=True)
    decisions = models.TextField(_("decisions"), max_length=4000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("Party meeting")
        verbose_name_plural = _("Party meetings")
        indexes = [models.Index(fields=["area", "kind", "held_on"])]


class VisitedWeek(models.Model):
    """A household link's visits in one week (its Monday), kept by the database's triggers as
    visits and links change (grids.visited_weeks): `counted_in` is the community code of the link's
    grid when the week is due for the link (grids.duty_weeks' rule), else None; what the link's
    week adds to its community's CommunityWeek."""

    pk = models.CompositePrimaryKey("link_id", "monday")
    link_id = models.BigIntegerField()
    monday = models.DateField()
    visits = models.IntegerField()
    counted_in = models.CharField(max_length=12, null=True)

    class Meta:
        verbose_name = "visited week"


class CommunityWeek(models.Model):
    """The link-weeks done in a community's grids in one week (its Monday): the visits' figures
    over any period of weeks, for any area from the community up, read from these rows instead of
    every visit of the period (grids.visited_weeks)."""

    pk = models.CompositePrimaryKey("community_code", "monday")
    community_code = models.CharField(max_length=12)
    monday = models.DateField()
    done = models.IntegerField()

    class Meta:
        verbose_name = "community week"


class DueWeekChange(models.Model):
    """How many more (or fewer) household links under an area owe a weekly visit from the week of
    a Monday on than the week before: +1 for each link's first week due, -1 for its first week no
    longer due (grids.duty_weeks), kept per district, street and community (the length of `code`)
    by the database's triggers on household links (grids.visited_weeks). The weeks due of a period
    under an area are these changes, each times the period's weeks from its Monday on."""

    pk = models.CompositePrimaryKey("length", "code", "monday")
    length = models.SmallIntegerField()
    code = models.CharField(max_length=12)
    monday = models.DateField()
    change = models.IntegerField()

    class Meta:
        verbose_name = "change of weeks due"
