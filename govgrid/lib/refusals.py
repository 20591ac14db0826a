"""A refusal as a page says it, once for every page: the words of a service's refusal or of the
input's check, and a page view whose refusals answer as pages (404 where the thing is not in the
reader's areas, 403 where the step is not theirs, 400 with the reason for bad input)."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest

from .errors import GovgridError


def refusal_text(refused):
    """The message of a refusal, from a service (GovgridError) or from the input's check."""
    if isinstance(refused, GovgridError):
        return str(refused.message)
    detail = refused.detail
    if isinstance(detail, dict):
        field, problems = next(iter(detail.items()))
        return f"{field}: {problems[0] if isinstance(problems, list) else problems}"
    return str(detail[0] if isinstance(detail, list) else detail)


def answered_as_page(view):
    """The view, its refusals answered as pages by their status: 404, 403, else 400 with the reason."""

    @wraps(view)
    def answered(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except GovgridError as refused:
            if refused.status == 404:
                raise Http404(refused.message) from None
            if refused.status == 403:
                raise PermissionDenied(refused.message) from None
            return HttpResponseBadRequest(refused.message)

    return answered
