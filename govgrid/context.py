"""What the header of every page needs to know about its user: whether they serve in a department
(the department queue's link) and how many notifications they have not read. Lazy: a page without
a header asks nothing."""

from django.utils.functional import SimpleLazyObject


def header(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)

    def serves_in_department():
        from grids.scopes import Scope

        return signed_in and bool(Scope.for_user(user).departments)

    def unread():
        from notifications.views import unread_count

        return unread_count(user) if signed_in else 0

    return {
        "serves_in_department": SimpleLazyObject(serves_in_department),
        "unread_notifications": SimpleLazyObject(unread),
    }
