"""The working calendar in the admin: a year with its days off and make-up working days inline, its
"arrangement entered" box, and two actions (mark entered; fill in the holidays computed by the
rules, to start from when entering a year). Every page here and the admin index say which year's
arrangement is missing (the calendar_notice tag)."""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .calendar import computed_days, working_calendar
from .models import Day, Kind, Source, Year

# The admin index shows the missing-arrangement notice above the applications.
admin.site.index_template = "workcalendar/admin_index.html"


class DayInline(admin.TabularInline):
    model = Day
    extra = 0
    fields = ["date", "kind", "name", "source"]
    readonly_fields = ["source"]


def _entered_by_admin(day):
    day.source = Source.ADMIN


@admin.register(Year)
class YearAdmin(admin.ModelAdmin):
    list_display = ["year", "arrangement_entered", "days_off", "make_up_working_days", "note", "changed_at"]
    list_filter = ["arrangement_entered"]
    fields = ["year", "arrangement_entered", "note"]
    inlines = [DayInline]
    actions = ["mark_entered", "fill_in_by_rules"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                off_count=Count("days", filter=Q(days__kind=Kind.OFF)),
                work_count=Count("days", filter=Q(days__kind=Kind.WORK)),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        return ["year"] if obj else []

    @admin.display(description=_("days off"), ordering="off_count")
    def days_off(self, year):
        return year.off_count

    @admin.display(description=_("make-up working days"), ordering="work_count")
    def make_up_working_days(self, year):
        return year.work_count

    def save_formset(self, request, form, formset, change):
        for day in formset.save(commit=False):
            _entered_by_admin(day)
            day.save()
        for day in formset.deleted_objects:
            day.delete()
        formset.save_m2m()

    @admin.action(description=_("Mark the arrangement as entered"), permissions=["change"])
    def mark_entered(self, request, queryset):
        changed = queryset.update(arrangement_entered=True)
        working_calendar.check_soon()  # update() sends no signal
        self.message_user(request, ngettext("%d year marked entered.", "%d years marked entered.", changed) % changed)

    @admin.action(description=_("Fill in the statutory holidays computed by the rules"), permissions=["change"])
    def fill_in_by_rules(self, request, queryset):
        with transaction.atomic():
            taken = set(Day.objects.filter(year__in=queryset).values_list("date", flat=True))
            added = Day.objects.bulk_create(
                [
                    Day(year=year, date=day.date, kind=day.kind, name=day.name, source=Source.RULES)
                    for year in queryset
                    for day in computed_days(year.year).values()
                    if day.date not in taken
                ]
            )
        working_calendar.check_soon()
        self.message_user(
            request, ngettext("%d day added.", "%d days added.", len(added)) % len(added), messages.SUCCESS
        )


@admin.register(Day)
class DayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "source", "year"]
    list_filter = ["year", "kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    fields = ["year", "date", "kind", "name", "source"]
    readonly_fields = ["source"]

    def save_model(self, request, obj, form, change):
        _entered_by_admin(obj)
        super().save_model(request, obj, form, change)
