"""Departments (条线部门): the functional bodies a street or community hands a case to — urban
management, housing, market supervision, water, power, police — beside the areas, not inside them.

A department belongs to a district and is competent there, in the whole district or in some of its
streets; its people serve in it through assignments with a department role (grids.models.people:
handler or head). Which department handles which category where is routing, the cases' business
(incidents.models.Route).
"""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .areas import Area


class DepartmentQuerySet(models.QuerySet):
    def competent_in(self, street_code):
        """Active departments whose competence holds the street with this code: the whole district
        of the street (no street named), or the street among theirs."""
        district_code = street_code[:6]
        return (
            self.filter(active=True, district__code=district_code)
            .filter(Q(streets__isnull=True) | Q(streets__code=street_code))
            .distinct()
        )


class Department(models.Model):
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Lower-case letters, digits and hyphens."))],
        help_text=_("A short stable name for links and exports, e.g. 411381-cg."),
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=20, blank=True)
    district = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="departments",
        limit_choices_to={"level": "district"},
    )
    streets = models.ManyToManyField(
        Area,
        verbose_name=_("streets of competence"),
        blank=True,
        related_name="competent_departments",
        limit_choices_to={"level": "street"},
        help_text=_("Leave empty for the whole district."),
    )
    phone = models.CharField(_("service phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["district__code", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="one_department_name_a_district")]

    def __str__(self):
        return self.short_name or self.name
