"""What the header of every page needs to know about its user: whether they serve in a department
(the department queue's link), whether they change areas (the residents' reports and the QR
posters), whether they serve as a member or volunteer (the member page's link), and how many
notifications they have not read. Lazy: a page without a header asks nothing, and the user's scope
is read once for both questions."""

from django.utils.functional import SimpleLazyObject


def header(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)

    def scope():
        from grids.scopes import Scope

        return Scope.for_user(user) if signed_in else Scope()

    their = SimpleLazyObject(scope)

    def unread():
        from notifications.views import unread_count

        return unread_count(user) if signed_in else 0

    def serves():
        from volunteers.offers import serves_as_member

        return signed_in and serves_as_member(user)

    return {
        "serves_as_member": SimpleLazyObject(serves),
        # the work units' page: staff and leaders of areas, and the units' own contacts
        "reads_work_units": SimpleLazyObject(lambda: bool(their.everything or their.read or their.work_units)),
        "serves_in_department": SimpleLazyObject(lambda: bool(their.departments)),
        "changes_areas": SimpleLazyObject(lambda: bool(their.everything or their.write)),
        "reads_areas": SimpleLazyObject(lambda: bool(their.everything or their.read)),
        "administers": SimpleLazyObject(lambda: bool(their.everything)),
        # the generations of the grids: administrators and leaders
        "reads_generations": SimpleLazyObject(lambda: bool(their.everything or their.leads)),
        "unread_notifications": SimpleLazyObject(unread),
    }
