"""Work units (单位) whose in-service Party members register where they live (双报到).

A work unit belongs to a district's platform: its members' home communities report back to it, each
quarter, on their registration, services, hours and points (the 双报到 feedback), addressed to the
unit's Party organisation. Its contact people read their own members' totals through an assignment
with the work-unit role, as a department's people do through theirs.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .areas import Area


class WorkUnit(models.Model):
    name = models.CharField(_("name"), max_length=100)
    district = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="work_units",
        limit_choices_to={"level": "district"},
    )
    party_org = models.CharField(
        _("Party organisation"),
        max_length=100,
        blank=True,
        help_text=_("The unit's Party organisation, to which the quarterly report is addressed."),
    )
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["district__code", "name"]
        verbose_name = _("work unit")
        verbose_name_plural = _("work units")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="one_work_unit_name_a_district")]

    def __str__(self):
        return self.name
