"""What the header of every page needs to know about its user: whether they serve in a department
(the department queue's link). Lazy: a page without a header asks nothing."""

from django.utils.functional import SimpleLazyObject


def header(request):
    def serves_in_department():
        from grids.scopes import Scope

        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and Scope.for_user(user).departments)

    return {"serves_in_department": SimpleLazyObject(serves_in_department)}
