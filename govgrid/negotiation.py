"""Content negotiation for the JSON API.

Most API views have one renderer (JSON), and nearly every client says it takes anything (no
Accept header, or */*) or JSON. For those the answer is settled without parsing the Accept header
and the query string, which DRF's negotiation does on every request (a tenth of a report's framework
time, bench/README.md). Anything else (several renderers, ?format=, another Accept) is negotiated as
DRF does, so a client that takes only text/html still gets 406.

One of intake's speed-ups: docs/speed.md lists them together, with what each costs.
"""

from rest_framework.negotiation import DefaultContentNegotiation

PLAIN_ACCEPT = frozenset({"*/*", "application/json"})


class JsonFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        meta = request.META
        if (
            len(renderers) == 1
            and format_suffix is None
            and not meta.get("QUERY_STRING")
            and meta.get("HTTP_ACCEPT", "*/*") in PLAIN_ACCEPT  # absent is */*; an empty one is refused
            and renderers[0].media_type == "application/json"
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
