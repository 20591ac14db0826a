"""The admin of rows that change only through their own actions (a consultation item, a resident's
report, a QR code, a service request, the points ledger): listed within the user's scope, never
added, edited or deleted by hand."""

from django.contrib import admin

from .scopes import Scope


class ReadOnlyScopedAdmin(admin.ModelAdmin):
    scope_field = None  # the field holding the area code the user's scope filters on, e.g. "community__code"

    def get_queryset(self, request):
        return Scope.for_user(request.user).filter(super().get_queryset(request), self.scope_field)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
