"""Generations (代, 划分版本): the versions of a district's grids, each valid for a period.

A district's first generation is its areas as first drawn (number 1, from no date). A new one is
prepared as a draft: the grids it adds (DraftGrid, under new codes) and the current grids it retires.
Activating it (grids.generations) writes the added grids as areas valid from its day, retires the
others on that day, records what became of each retired grid (Succession, with the share of its
ground each new grid took) and moves the work attached to them, in one transaction.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .areas import Area, GridKind


class Generation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("in force")
        PAST = "past", _("past")
        DISCARDED = "discarded", _("discarded")

    district = models.ForeignKey(Area, verbose_name=_("district"), on_delete=models.PROTECT, related_name="generations")
    number = models.PositiveIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)  # NULL: as first drawn
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    retires = models.ManyToManyField(Area, verbose_name=_("grids it retires"), related_name="+", blank=True)
    # The administrator's choices for the work of a retired grid whose grid worker, Party group and
    # station should go elsewhere than to the new grid holding most of it: {old code: new code}.
    choices = models.JSONField(_("choices"), default=dict, blank=True)
    # What its activation moved and the conflicts it found (grids.generations.Plan.as_dict()).
    plan = models.JSONField(_("moves"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    # Raised by every change of a draft: a change names the version it saw, and a stale one is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["district__code", "number"]
        verbose_name = _("generation")
        verbose_name_plural = _("generations")
        constraints = [
            models.UniqueConstraint(fields=["district", "number"], name="generation_number_per_district"),
            models.UniqueConstraint(
                fields=["district"], condition=Q(status="draft"), name="one_draft_generation_per_district"
            ),
            models.UniqueConstraint(
                fields=["district"], condition=Q(status="active"), name="one_generation_in_force_per_district"
            ),
        ]

    def __str__(self):
        return f"{self.district.code} #{self.number} {self.name}".strip()


class DraftGrid(models.Model):
    """A grid a draft generation adds: written as an area when the generation is activated."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="grids")
    community = models.ForeignKey(Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=15)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("grid kind"), max_length=24, choices=GridKind.choices)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    geom = models.MultiPolygonField(_("boundary"), srid=4326)
    how = models.CharField(_("made by"), max_length=16)  # split | merge | carve | border | wizard

    class Meta:
        ordering = ["code"]
        verbose_name = _("grid of a draft")
        verbose_name_plural = _("grids of a draft")
        constraints = [models.UniqueConstraint(fields=["generation", "code"], name="draft_grid_code_once")]

    def __str__(self):
        return f"{self.code} {self.name}"


class Succession(models.Model):
    """What became of a retired grid: each new grid that took part of its ground, with the share
    (of the old grid's area) it took. The old→new table of a re-division."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="successions")
    old = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="successors")
    new = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="predecessors")
    share = models.FloatField(_("share"))
    area_m2 = models.FloatField(_("area (m²)"))

    class Meta:
        ordering = ["old__code", "-share"]
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="succession_once")]
