import json
import threading

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from leaflet.admin import LeafletAdminWidget, LeafletGeoAdmin

from .models import (
    Area,
    Assignment,
    HouseholdLink,
    Level,
    PartyOrg,
    Person,
    ServiceStation,
)
from .personal import PHONE_MASK
from .scopes import PERSONAL_FIELDS, Scope
from .validation import (
    UNCHANGED_BOUNDARY_DEGREES,
    areas_after_border_move,
    lock_boundaries,
    problems_if_saved,
    same_boundary,
)


def neighbours_of(area):
    """The areas of the same level that touch `area` (in its community or across its borders)."""
    near = (area.geom, UNCHANGED_BOUNDARY_DEGREES)
    return Area.objects.filter(level=area.level, geom__dwithin=near).exclude(pk=area.pk).order_by("code")


def offers_border_move(area):
    """Only an existing grid moves a border with its neighbours (a community's border would move its
    grids' borders too: that goes through import_areas)."""
    return area is not None and area.pk is not None and area.level == Level.GRID


class AreaAdminForm(forms.ModelForm):
    move_border_with = forms.ModelMultipleChoiceField(
        label=_("Move the shared border with"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The neighbouring grids ticked here move with this grid in the same save: each gives up what "
            "this grid now covers and takes what it gives up. The others stay as they are, so a new "
            "boundary that reaches into them is refused as an overlap."
        ),
    )

    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent", "geom", "move_border_with", "kind", "households", "population"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The areas to rewrite with this one, set once the edit has been checked.
        self.rewritten = []
        # True when the boundary posted back is the stored one (up to rounding): nothing to check.
        self.boundary_unchanged = False
        if offers_border_move(self.instance):
            self.fields["move_border_with"].queryset = neighbours_of(self.instance)
        else:
            del self.fields["move_border_with"]

    def clean_geom(self):
        submitted = self.cleaned_data["geom"]
        stored = self.instance.geom if self.instance.pk else None
        if stored is not None and same_boundary(submitted, stored):
            # Keep the stored boundary exactly: a map widget's rounding must not move any vertex.
            self.boundary_unchanged = True
            return stored
        return submitted

    @cached_property
    def changed_data(self):
        # The stored boundary posted back (perhaps rounded) is no change, and the neighbours to move
        # with are a way of saving, not a field of the area.
        ignored = {"move_border_with"} | ({"geom"} if self.boundary_unchanged else set())
        return [name for name in super().changed_data if name not in ignored]

    def _post_clean(self):
        # Field and model validation first (code, level, parent, geometry validity), then the
        # topology of the area among its siblings, on the edited instance.
        super()._post_clean()
        if self.errors or self.boundary_unchanged:
            return
        # Held until the admin's transaction commits, so what is checked here is what gets written.
        lock_boundaries()
        moved_with = self.cleaned_data.get("move_border_with")
        if moved_with and self.instance.pk:
            stored = Area.objects.values_list("geom", flat=True).get(pk=self.instance.pk)
            neighbours = list(Area.objects.filter(pk__in=[n.pk for n in moved_with]))
            self.rewritten = areas_after_border_move(self.instance, stored, neighbours)
            swallowed = [area.code for area in self.rewritten if area.geom.empty]
            if swallowed:
                self.add_error(
                    "geom",
                    _("The new boundary covers all of %(codes)s; an area is removed by an import, not here.")
                    % {"codes": "、".join(swallowed)},
                )
                self.rewritten = []
                return
        problems = problems_if_saved(self.instance, *self.rewritten)
        if problems and moved_with:
            self.add_error(
                "geom",
                _("The shared border with %(codes)s was not moved, nothing was saved:")
                % {"codes": "、".join(n.code for n in moved_with)},
            )
        for problem in problems:
            self.add_error("geom", problem.describe())
        if problems:
            self.rewritten = []


class AreaMapWidget(LeafletAdminWidget):
    """django-leaflet's admin map, with govgrid's script: full-precision boundaries and neighbours."""

    field_store_class = "L.GovgridFieldStore"
    geometry_field_class = "L.GovgridGeometryField"

    @property
    def media(self):
        # Listed after the scripts it extends: Django merges media lists by their relative order only.
        base = super().media
        return base + forms.Media(
            js=[*base._js, "grids/area_admin_map.js"], css={"screen": ["grids/area_admin_map.css"]}
        )


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

    widget = AreaMapWidget
    # Metric scale, and no attribution text or flag on the editing map.
    settings_overrides = {"SCALE": "metric", "ATTRIBUTION_PREFIX": ""}

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not offers_border_move(obj):
            fields = [name for name in fields if name != "move_border_with"]
        return fields

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {"area_map_texts": map_texts()} | (extra_context or {})
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        area = self.get_object(request, unquote(object_id))
        extra_context = {"area_map_texts": map_texts()} | (extra_context or {})
        if area is not None:
            extra_context["area_neighbours"] = neighbours_on_map(area)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # the boundary and fields as stored: nothing is written
        super().save_model(request, obj, form, change)
        for area in form.rewritten:
            area.save(update_fields=["geom", "updated_at"])
            self.log_change(request, area, _("Boundary moved together with %(code)s.") % {"code": obj.code})

    def log_change(self, request, obj, message):
        # Saving a form with nothing changed leaves no history entry ("No fields changed.").
        if not message:
            return None
        return super().log_change(request, obj, message)

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


# The texts of the drawing toolbar (Leaflet.draw's L.drawLocal, by path) in the user's language.
# django-leaflet's own translation script reads its texts from the page before the page holds them,
# so the admin map was in English; and its "Save" only ends the map's editing mode, so it is called
# "Done" here, the form's Save button being the one that writes.
MAP_TEXTS = {
    "draw.toolbar.actions.title": pgettext_lazy("area map", "Cancel drawing"),
    "draw.toolbar.actions.text": pgettext_lazy("area map", "Cancel"),
    "draw.toolbar.undo.title": pgettext_lazy("area map", "Delete the last point drawn"),
    "draw.toolbar.undo.text": pgettext_lazy("area map", "Delete last point"),
    "draw.toolbar.buttons.polygon": pgettext_lazy("area map", "Draw a polygon"),
    "draw.toolbar.buttons.rectangle": pgettext_lazy("area map", "Draw a rectangle"),
    "draw.handlers.polygon.tooltip.start": pgettext_lazy("area map", "Click to start drawing the shape."),
    "draw.handlers.polygon.tooltip.cont": pgettext_lazy("area map", "Click to continue drawing the shape."),
    "draw.handlers.polygon.tooltip.end": pgettext_lazy("area map", "Click the first point to close the shape."),
    "draw.handlers.polyline.error": pgettext_lazy("area map", "The edges of a shape cannot cross."),
    "draw.handlers.rectangle.tooltip.start": pgettext_lazy("area map", "Click and drag to draw a rectangle."),
    "draw.handlers.simpleshape.tooltip.end": pgettext_lazy("area map", "Release the mouse to finish drawing."),
    "edit.toolbar.actions.save.title": pgettext_lazy("area map", "End editing; the form's Save button writes it."),
    "edit.toolbar.actions.save.text": pgettext_lazy("area map", "Done"),
    "edit.toolbar.actions.cancel.title": pgettext_lazy("area map", "Cancel editing and discard the changes."),
    "edit.toolbar.actions.cancel.text": pgettext_lazy("area map", "Cancel"),
    "edit.toolbar.buttons.edit": pgettext_lazy("area map", "Edit the boundary"),
    "edit.toolbar.buttons.editDisabled": pgettext_lazy("area map", "No boundary to edit."),
    "edit.toolbar.buttons.remove": pgettext_lazy("area map", "Delete a shape"),
    "edit.toolbar.buttons.removeDisabled": pgettext_lazy("area map", "No shape to delete."),
    "edit.handlers.edit.tooltip.text": pgettext_lazy("area map", "Drag the handles to move the boundary."),
    "edit.handlers.edit.tooltip.subtext": pgettext_lazy("area map", "Click Cancel to undo the changes."),
    "edit.handlers.remove.tooltip.text": pgettext_lazy("area map", "Click a shape to delete it."),
}


def map_texts():
    return {path: str(text) for path, text in MAP_TEXTS.items()}


def neighbours_on_map(area):
    """The neighbours of an area for its editing map: GeoJSON features with code, name, and whether
    they share its parent (the map draws them read-only, labelled)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": neighbour.pk,
                "geometry": json.loads(neighbour.geom.json),
                "properties": {
                    "code": neighbour.code,
                    "name": neighbour.name,
                    "same_parent": neighbour.parent_id == area.parent_id,
                },
            }
            for neighbour in neighbours_of(area)
        ],
    }


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    raw_id_fields = ["area", "work_unit"]
    fields = ["role", "area", "department", "work_unit", "starts_on", "ends_on"]


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["name", "phone_shown", "is_party_member", "home_community_shown", "work_unit_shown", "user"]
    list_filter = ["is_party_member", "assignments__role"]
    search_fields = ["name", "phone", "work_unit__name"]
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
        return person.phone if self._shown(person) else PHONE_MASK.mask(person.phone)

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
    list_display = ["person", "role", "area", "department", "work_unit", "starts_on", "ends_on"]
    list_filter = ["role", "department"]
    search_fields = ["person__name", "area__code", "area__name", "department__name", "work_unit__name"]
    raw_id_fields = ["person", "area", "work_unit"]
    list_select_related = ["person", "area", "department", "work_unit"]
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


from .admin_departments import DepartmentAdmin  # noqa: E402, F401  (registers it)
