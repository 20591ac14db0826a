"""Party organisation, people, their roles in areas, household links and service stations.

The chain the practice describes: street Party working committee → community Party committee or
branch → grid Party group → Party members linked to households (一网格、一功能党小组、一党员服务团队).
Roles are assignments of a person to an area with dates; ending an assignment keeps it as history.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .areas import Area
from .departments import Department
from .work_units import WorkUnit


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")
    PARTY_GROUP_LEADER = "party_group_leader", _("Party group leader")
    SERVICE_TEAM_MEMBER = "service_team_member", _("service-team member")
    IN_SERVICE_MEMBER = "in_service_member", _("in-service member (dual registration)")
    VOLUNTEER = "volunteer", _("volunteer")
    DISPATCHER = "dispatcher", _("dispatcher")
    LEADER = "leader", _("leader")
    ANALYST = "analyst", _("analyst")
    ADMINISTRATOR = "administrator", _("administrator")
    DEPARTMENT_HANDLER = "department_handler", _("department handler")
    DEPARTMENT_HEAD = "department_head", _("department head")
    WORK_UNIT_CONTACT = "work_unit_contact", _("work-unit contact")


# Roles held in a department (an assignment names it), not in an area.
DEPARTMENT_ROLES = (Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HEAD)
# Roles held for a work unit (an assignment names it): its contact reads its own members' totals
# and reports, and nothing of the areas.
WORK_UNIT_ROLES = (Role.WORK_UNIT_CONTACT,)


class Person(models.Model):
    name = models.CharField(_("name"), max_length=50)
    # Personal data: shown only where grids.scopes says so.
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=[("m", _("male")), ("f", _("female"))], blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    is_party_member = models.BooleanField(_("Party member"), default=False)
    # Dual registration (双报到): an in-service member's home community and work unit.
    home_community = models.ForeignKey(
        Area,
        verbose_name=_("home community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_members",
        limit_choices_to={"level": "community"},
    )
    work_unit = models.ForeignKey(
        WorkUnit,
        verbose_name=_("work unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.name


def in_force(on=None, through=""):
    """The condition for a dated row (assignment, household link) in force on a date, today by
    default; `through` reaches it from another model, e.g. "assignments__"."""
    on = on or timezone.localdate()
    return Q(**{f"{through}starts_on__lte": on}) & (
        Q(**{f"{through}ends_on__isnull": True}) | Q(**{f"{through}ends_on__gt": on})
    )


def in_force_sql(alias, today):
    """in_force in SQL, for hand-written statements: the condition for the dated rows aliased
    `alias` (assignments, household links) in force on the date that the SQL `today` gives (a
    parameter such as "%(today)s", or an expression): from their first day until the day before
    their end."""
    return f"({alias}.starts_on <= {today} AND ({alias}.ends_on IS NULL OR {alias}.ends_on > {today}))"


class AssignmentQuerySet(models.QuerySet):
    def active(self, on=None):
        """Assignments in force on a date (today by default)."""
        return self.filter(in_force(on))


class Assignment(models.Model):
    """A person's role in an area from a date, until an end date (kept as history). A department
    role names its department, a work-unit role its work unit, and the area of either is the
    district the department or the unit belongs to."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="assignments")
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    work_unit = models.ForeignKey(
        WorkUnit,
        verbose_name=_("work unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["area", "role"]), models.Index(fields=["person", "role"])]
        constraints = [
            models.CheckConstraint(
                name="assignment_ends_after_it_starts",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=models.F("starts_on")),
            ),
            models.CheckConstraint(
                name="department_role_names_its_department",
                condition=Q(role__in=DEPARTMENT_ROLES, department__isnull=False)
                | (~Q(role__in=DEPARTMENT_ROLES) & Q(department__isnull=True)),
            ),
            models.CheckConstraint(
                name="work_unit_role_names_its_work_unit",
                condition=Q(role__in=WORK_UNIT_ROLES, work_unit__isnull=False)
                | (~Q(role__in=WORK_UNIT_ROLES) & Q(work_unit__isnull=True)),
            ),
        ]

    def clean(self):
        from django.core.exceptions import ValidationError

        # A department being added with its people (the admin's inline) is not saved yet: its people
        # hold it, without its id.
        department = (
            self.department if self.department_id or self._meta.get_field("department").is_cached(self) else None
        )
        if self.role in DEPARTMENT_ROLES:
            if department is None:
                raise ValidationError({"department": _("A department role needs its department.")})
            self.area_id = department.district_id
        elif department is not None:
            raise ValidationError({"department": _("Only a department role names a department.")})
        if self.role in WORK_UNIT_ROLES:
            if self.work_unit_id is None:
                raise ValidationError({"work_unit": _("A work-unit contact needs their work unit.")})
            self.area_id = self.work_unit.district_id
        elif self.work_unit_id is not None:
            raise ValidationError({"work_unit": _("Only a work-unit contact names a work unit.")})

    def __str__(self):
        return f"{self.person} · {self.get_role_display()} · {self.area.code}"


class PartyOrg(models.Model):
    """The Party body of one area: a street working committee, a community committee or branch,
    or a grid's functional Party group."""

    class Kind(models.TextChoices):
        STREET_WORKING_COMMITTEE = "street_committee", _("street Party working committee")
        COMMUNITY_COMMITTEE = "community_committee", _("community Party committee")
        COMMUNITY_BRANCH = "community_branch", _("community Party branch")
        GRID_GROUP = "grid_group", _("grid Party group")

    area = models.OneToOneField(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="party_org")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        Person, verbose_name=_("leader"), null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )

    class Meta:
        verbose_name = _("Party organisation")
        verbose_name_plural = _("Party organisations")

    def __str__(self):
        return self.name


class HouseholdLink(models.Model):
    """党员联系户: a Party member responsible for a number of households in a grid."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="household_links"
    )
    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="household_links",
        limit_choices_to={"level": "grid"},
    )
    households = models.PositiveIntegerField(_("households"))
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("household link")
        verbose_name_plural = _("household links")


class ServiceStation(models.Model):
    """党群服务中心 / 站: a place that serves the residents of the grids around it."""

    class Kind(models.TextChoices):
        CENTRE = "centre", _("service centre")
        STATION = "station", _("service station")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="stations")
    location = models.PointField(_("location"), srid=4326, spatial_index=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["area__code", "name"]
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")

    def __str__(self):
        return self.name


class FailedLogin(models.Model):
    """One refused login, kept a while so repeated guessing is throttled across every server process."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
