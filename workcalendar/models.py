"""The working calendar: days off and make-up working days (调休) per year, and whether the State
Council's arrangement for a year has been entered. Deadlines read it through workcalendar.calendar."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

FIRST_YEAR, LAST_YEAR = 2004, 2099  # the package's first year; lunar-python's tables reach past 2099


class Source(models.TextChoices):
    PACKAGE = "package", _("chinese-calendar package")
    ADMIN = "admin", _("administrator")
    RULES = "rules", _("computed by the rules")


class Kind(models.TextChoices):
    OFF = "off", _("day off")
    WORK = "work", _("make-up working day")


class Year(models.Model):
    """A calendar year. Without a row, or with `arrangement_entered` off, the statutory holidays are
    computed by the rules (workcalendar.rules) and the days entered for it are added to them."""

    year = models.PositiveSmallIntegerField(
        _("year"), primary_key=True, validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    arrangement_entered = models.BooleanField(
        _("arrangement entered"),
        default=False,
        help_text=_(
            "Tick once every day off and make-up working day of the State Council's arrangement for this year "
            "is entered: from then on only the days entered count."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("E.g. the notice's number."))
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR), name="calendar_year_in_range"
            )
        ]

    def __str__(self):
        return str(self.year)


class Day(models.Model):
    """A day off on what would be a working day (or on a weekend inside a holiday), or a make-up
    working day on a weekend."""

    year = models.ForeignKey(Year, models.CASCADE, related_name="days", verbose_name=_("year"))
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.OFF)
    name = models.CharField(_("name"), max_length=60, help_text=_("The holiday, e.g. 春节."))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.ADMIN)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        return f"{self.date} {self.name} ({self.get_kind_display()})"

    def clean(self):
        if self.date and self.year_id and self.date.year != self.year_id:
            raise ValidationError({"date": _("The date must fall in the year %(year)s.") % {"year": self.year_id}})
        if self.date and self.kind == Kind.WORK and self.date.weekday() < 5:
            raise ValidationError({"kind": _("A make-up working day is a Saturday or Sunday; this is a weekday.")})


class Version(models.Model):
    """One row whose number a trigger renews on every change to the calendar's tables, in the same
    transaction (migration 0002): each process compares it with the number its copy was read at
    (workcalendar.calendar)."""

    number = models.BigIntegerField(default=0)

    def __str__(self):
        return str(self.number)
