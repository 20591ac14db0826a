"""Who may do what with another network's layers, decided here (grids.scopes decides the scopes):

| who                                   | may                                                     |
|---------------------------------------|---------------------------------------------------------|
| administrator (Scope.everything)      | import a layer, accept its mapping, set a cell's grid   |
| whoever sees the layer's district     | read the layer, its overlap report, place cells/figures |
| anyone else                           | nothing: the layer does not exist for them (404)        |

Importing and accepting boundaries is the administrator's work (design.md); reading the district
is a leader's or an analyst's.
"""

from django.utils.translation import gettext as _

from govgrid.lib.errors import NotFound
from grids.scopes import Forbidden, Scope


def check_administrator(user):
    if not Scope.for_user(user).everything:
        raise Forbidden(_("Only an administrator imports another network's cells or accepts their mapping."))


def layers_seen(user, queryset):
    """The layers (a queryset) whose district the user sees."""
    return Scope.for_user(user).filter(queryset, "district__code")


def layer_seen(user, pk, queryset):
    layer = layers_seen(user, queryset).select_related("district").filter(pk=pk).first()
    if layer is None:
        raise NotFound(_("No network layer %(id)s.") % {"id": pk}, field="layer")
    return layer
