"""The mark on a view whose answers may carry personal data, which govgrid.middleware's
NoStoreForPersonalData answers with `Cache-Control: private, no-store`. Here, below the apps, so
every app's views can wear it."""


def personal_data(view):
    """Mark a view (a function, or a class and every view made from it) whose answers may carry
    personal data: a resident's name and phone, a person's phone, a case's photos. The middleware
    below then answers it with `Cache-Control: private, no-store`."""
    view.personal_data = True
    return view


def holds_personal_data(view_func):
    view_class = getattr(view_func, "view_class", None)  # Django's and DRF's as_view() keep the class
    return bool(getattr(view_func, "personal_data", False) or getattr(view_class, "personal_data", False))
