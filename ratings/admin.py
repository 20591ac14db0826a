"""The scheme editor: a district's rating schemes with their areas of assessment and criteria, edited
by those who change the district until a round uses them; then read-only (the database refuses any
change too), and "a new version" copies one for a later quarter. Rounds, stars and steps are read
only; committee seats are kept here."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.admin_read_only import ReadOnlyScopedAdmin
from grids.scopes import Scope

from . import schemes
from .models import CommitteeSeat, Criterion, Round, Scheme, Section, StarRecord


def _used(scheme):
    return scheme is not None and scheme.pk is not None and scheme.rounds.exists()


class FrozenWhenUsed:
    """Editable by those who change the scheme's district, until a round has used the scheme."""

    def _scheme_of(self, obj):
        return obj

    def has_change_permission(self, request, obj=None):
        scheme = self._scheme_of(obj)
        if scheme is None:
            return super().has_change_permission(request, obj)
        return not _used(scheme) and Scope.for_user(request.user).changes(scheme.district.code)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class SectionInline(FrozenWhenUsed, admin.TabularInline):
    model = Section
    extra = 0
    fields = ("position", "code", "name")

    def has_add_permission(self, request, obj=None):
        return obj is None or self.has_change_permission(request, obj)


class CriterionInline(FrozenWhenUsed, admin.StackedInline):
    model = Criterion
    extra = 0
    fields = (("section", "code", "position"), "name", "rule", ("max_points", "kind"),
              ("indicator", "none_points"), "thresholds", "deductions")  # fmt: skip

    def has_add_permission(self, request, obj=None):
        return obj is not None and self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":  # the areas of the scheme being edited
            scheme_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Section.objects.filter(scheme_id=scheme_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Scheme)
class SchemeAdmin(FrozenWhenUsed, admin.ModelAdmin):
    list_display = ("name", "district", "version", "valid_from", "used")
    list_filter = ("district",)
    inlines = [SectionInline, CriterionInline]
    actions = ["next_version"]

    def get_queryset(self, request):
        return Scope.for_user(request.user).filter(super().get_queryset(request), "district__code")

    @admin.display(boolean=True, description=gettext_lazy("used by a round"))
    def used(self, scheme):
        return _used(scheme)

    @admin.action(description=gettext_lazy("Make a new version for the next quarter"))
    def next_version(self, request, queryset):
        for scheme in queryset:
            if not Scope.for_user(request.user).changes(scheme.district.code):
                continue
            start = max(
                schemes.next_quarter(schemes.quarter_of(timezone.localdate())), schemes.next_quarter(scheme.valid_from)
            )
            taken = Scheme.objects.filter(district=scheme.district, valid_from__gte=start).exists()
            if taken:
                messages.warning(request, _("%(name)s: a later version exists already.") % {"name": scheme.name})
                continue
            copy = schemes.new_version(scheme, start)
            messages.success(request, _("%(name)s v%(n)d, from %(day)s: edit it before its quarter's round opens.")
                             % {"name": copy.name, "n": copy.version, "day": copy.valid_from})  # fmt: skip


@admin.register(Round)
class RoundAdmin(ReadOnlyScopedAdmin):
    """Read-only: rounds open and move through their pages and API (ratings.assessing)."""

    scope_field = "district__code"
    list_display = ("district", "quarter", "scheme", "five_star_share", "opened_at")


@admin.register(StarRecord)
class StarRecordAdmin(ReadOnlyScopedAdmin):
    """Read-only: the stars in force are append-only; a move is a new record (ratings.stars.adjust)."""

    scope_field = "community__code"
    list_display = ("community", "stars", "effective_from", "kind", "reason", "at")
    list_filter = ("kind", "stars")


@admin.register(CommitteeSeat)
class CommitteeSeatAdmin(admin.ModelAdmin):
    list_display = ("party_org", "person", "post", "starts_on", "ends_on")
    list_filter = ("post",)
    raw_id_fields = ("person",)
    search_fields = ("person__name", "party_org__name")

    def get_queryset(self, request):
        return Scope.for_user(request.user).filter(super().get_queryset(request), "party_org__area__code")
