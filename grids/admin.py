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
        problems = problems_if_saved(self.instance)
        for problem in problems:
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

    def get_search_results(self, request, queryset, search_term):
        # A code search is a prefix match: "411381001" finds the street and everything in it.
        term = search_term.strip()
        if term.isdigit():
            return queryset.filter(code__startswith=term), False
        return super().get_search_results(request, queryset, search_term)
