"""The mark on a view that only reads, whose GET and HEAD answers a read replica may give
(govgrid.replicas: read-only pages, map tiles, figures, exports). Here, below the apps, so every app's
views can wear it, as they wear govgrid.lib.privacy's `personal_data`."""


def read_only(view):
    """Mark a view (a function, or a class and every view made from it) whose GET and HEAD answers
    only read, so a read replica may answer them when one is configured and up to date. Its other
    methods, and the reads of a user who has just written, still go to the primary."""
    view.govgrid_read_only = True
    return view


def is_read_only(view_func):
    view_class = getattr(view_func, "view_class", None)  # Django's and DRF's as_view() keep the class
    return bool(getattr(view_func, "govgrid_read_only", False) or getattr(view_class, "govgrid_read_only", False))
