from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from .models import Area
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


@admin.register(Area)
class AreaAdmin(LeafletGeoAdmin):
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
