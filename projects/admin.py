"""The admin reads projects and their history; it changes nothing (projects change through
projects.services, and their history is append-only)."""

from django.contrib import admin

from grids.admin_read_only import ReadOnlyScopedAdmin

from .models import Milestone, Project, ProjectEvent


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ("position", "title", "due_on", "status", "closed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyScopedAdmin):
    """Read-only: registered, edited and closed off through the register's pages and API."""

    scope_field = "area__code"
    list_display = ("title", "area", "kind", "status", "starts_on", "ends_on", "budget")
    list_filter = ("status", "kind")
    search_fields = ("title",)
    raw_id_fields = ("owner",)
    inlines = [MilestoneInline]


@admin.register(ProjectEvent)
class ProjectEventAdmin(ReadOnlyScopedAdmin):
    """Read-only: the history is append-only (a database trigger refuses changes)."""

    scope_field = "project__area__code"
    list_display = ("at", "project", "action", "milestone", "actor", "note")
    list_filter = ("action",)
    list_select_related = ("project", "milestone", "actor")
