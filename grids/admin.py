import threading

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from .api_people import mask_phone
from .models import Area, Assignment, HouseholdLink, PartyOrg, Person, ServiceStation
from .scopes import PERSONAL_FIELDS, Scope
from .validation import problems_if_saved


class AreaAdminForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent", "geom", "kind", "households", "population"]

    def _post_clean(self):
        # Field and model validation first (code, level, parent, geometry validity), then the
        # topology of the area among its siblings, on the edited instance.
        super()._post_clean()
        if self.errors:
            return
        for problem in problems_if_saved(self.instance):
            self.add_error("geom", problem.describe())


_request_scope = threading.local()


class ScopedAdmin(admin.ModelAdmin):
    """Staff who are not superusers see only rows in their scope (grids.scopes)."""

    scope_field = "area__code"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = Scope.for_user(request.user)
        return queryset if scope.everything else scope.filter(queryset, self.scope_field)

    @staticmethod
    def _may_write(request):
        # The admin changes people, roles and organisation for the whole deployment: only
        # administrators write here. Staff with a narrower scope may look at their part; letting a
        # dispatcher save an assignment here would let them hand themselves any role anywhere.
        return Scope.for_user(request.user).everything

    def has_change_permission(self, request, obj=None):
        return self._may_write(request) and super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return self._may_write(request) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_write(request) and super().has_delete_permission(request, obj)


@admin.register(Area)
class AreaAdmin(ScopedAdmin, LeafletGeoAdmin):
    # Boundaries are the deployment's foundation: only administrators change them (see ScopedAdmin).
    scope_field = "code"
    form = AreaAdminForm
    list_display = ["code", "name", "level", "parent", "kind", "households", "population"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
    search_help_text = _("Search by code (or its beginning) or name.")
    ordering = ["code"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    list_per_page = 100
    show_full_result_count = False
    actions = None  # no bulk delete: removing areas one by one is checked below

    def get_readonly_fields(self, request, obj=None):
        # A code is the path of everything inside the area: changing it would orphan the codes
        # of its children. Re-codings go through import_areas, which checks the whole tree.
        return ["code", "level", "parent"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Removing an area with a parent would open a gap in it, and one with children would
        # orphan them: only a childless district may be deleted here.
        if obj is not None and (obj.parent_id is not None or obj.children.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        # A code search is a prefix match: "411381001" finds the street and everything in it.
        term = search_term.strip()
        if term.isdigit():
            return queryset.filter(code__startswith=term), False
        return super().get_search_results(request, queryset, search_term)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    raw_id_fields = ["area"]
    fields = ["role", "area", "starts_on", "ends_on"]


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["name", "phone_shown", "is_party_member", "home_community_shown", "work_unit_shown", "user"]
    list_filter = ["is_party_member", "assignments__role"]
    search_fields = ["name", "phone", "work_unit"]
    raw_id_fields = ["home_community", "user"]
    inlines = [AssignmentInline]
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        # Kept for phone_shown, which Django calls without the request; per thread, since one
        # admin instance serves every request.
        _request_scope.value = scope = Scope.for_user(request.user)
        return queryset if scope.everything else scope.people(queryset)

    @staticmethod
    def _shown(person):
        """Whether this request's user may see the person's personal data (grids.scopes)."""
        scope = getattr(_request_scope, "value", None)
        return scope is not None and scope.shows_personal_data_of(person)

    @admin.display(description=_("phone"))
    def phone_shown(self, person):
        return person.phone if self._shown(person) else mask_phone(person.phone)

    @admin.display(description=_("home community"))
    def home_community_shown(self, person):
        return person.home_community if self._shown(person) else None

    @admin.display(description=_("work unit"))
    def work_unit_shown(self, person):
        return person.work_unit if self._shown(person) else None

    def get_search_fields(self, request):
        # Searching by phone number or work unit would reveal what the user may not see.
        return self.search_fields if Scope.for_user(request.user).everything else ["name"]

    def get_exclude(self, request, obj=None):
        scope = Scope.for_user(request.user)
        if obj is None or scope.shows_personal_data_of(obj):
            return []
        return list(PERSONAL_FIELDS)


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdmin):
    list_display = ["person", "role", "area", "starts_on", "ends_on"]
    list_filter = ["role"]
    search_fields = ["person__name", "area__code", "area__name"]
    raw_id_fields = ["person", "area"]
    list_select_related = ["person", "area"]
    show_full_result_count = False


@admin.register(PartyOrg)
class PartyOrgAdmin(ScopedAdmin):
    list_display = ["name", "kind", "area", "leader"]
    list_filter = ["kind", ("leader", admin.EmptyFieldListFilter)]
    search_fields = ["name", "area__code"]
    raw_id_fields = ["area", "leader"]
    list_select_related = ["area", "leader"]
    show_full_result_count = False


@admin.register(HouseholdLink)
class HouseholdLinkAdmin(ScopedAdmin):
    scope_field = "grid__code"
    list_display = ["person", "grid", "households", "starts_on", "ends_on"]
    search_fields = ["person__name", "grid__code"]
    raw_id_fields = ["person", "grid"]
    list_select_related = ["person", "grid"]
    show_full_result_count = False


@admin.register(ServiceStation)
class ServiceStationAdmin(ScopedAdmin, LeafletGeoAdmin):
    list_display = ["name", "kind", "area", "opening_hours"]
    list_filter = ["kind"]
    search_fields = ["name", "area__code", "area__name"]
    raw_id_fields = ["area"]
