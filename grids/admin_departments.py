"""The departments in the admin: their streets of competence and the people serving in them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin import ScopedAdmin
from .models import DEPARTMENT_ROLES, Assignment, Department


class DepartmentPeopleInline(admin.TabularInline):
    model = Assignment
    extra = 0
    raw_id_fields = ["person"]
    fields = ["person", "role", "starts_on", "ends_on"]
    verbose_name = _("person serving in the department")
    verbose_name_plural = _("people serving in the department")

    def get_formset(self, request, obj=None, **kwargs):
        # A department's people hold department roles, in its district (Assignment.clean).
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["role"].choices = [
            (value, label) for value, label in formset.form.base_fields["role"].choices if value in DEPARTMENT_ROLES
        ]
        return formset


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    """Departments (条线部门), their streets of competence and their people; routing of categories to
    them is on the category (incidents' admin: routes)."""

    scope_field = "district__code"
    list_display = ["name", "short_name", "code", "district", "phone", "active"]
    list_filter = ["active", "district"]
    search_fields = ["name", "short_name", "code"]
    filter_horizontal = ["streets"]
    raw_id_fields = ["district"]
    inlines = [DepartmentPeopleInline]

    def save_formset(self, request, form, formset, change):
        for assignment in formset.save(commit=False):
            assignment.area_id = form.instance.district_id
            assignment.save()
        for removed in formset.deleted_objects:
            removed.delete()
