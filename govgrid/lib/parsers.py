"""The API's JSON parser: DRF's, refusing bodies nested deeper than any govgrid request needs.

Python's json module parses nested arrays and objects by recursion: a body such as 2,000 `[`
raises RecursionError, which DRF's JSONParser does not catch (a server error), and a body just
under the interpreter's limit would be handed on to code that may recurse over it again. govgrid's
deepest request body is a few levels (a GeoJSON MultiPolygon's coordinates sit at depth 5), so
anything beyond MAX_DEPTH is refused as bad input before it is parsed. Every JSON endpoint uses
this parser: it is DRF's default (settings.REST_FRAMEWORK) and the views that list their own
parsers name it.
"""

import io
import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64  # arrays and objects inside one another

# A JSON string (so brackets inside text do not count), or one bracket. Works on the UTF-8 bytes:
# no byte of a multi-byte UTF-8 character is ASCII.
_STRING_OR_BRACKET = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def nested_too_deep(body, limit=MAX_DEPTH):
    """Whether the JSON text `body` (bytes) opens more than `limit` arrays or objects inside one
    another. Ordinary bodies have fewer brackets than the limit in all and are not scanned."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        if nested_too_deep(body):
            raise ParseError(
                _("The JSON body is nested more than %(depth)d levels deep.") % {"depth": MAX_DEPTH},
                code="too_deep",
            )
        return super().parse(io.BytesIO(body), media_type, parser_context)


def form_int(value):
    """A whole number from a form's field, or None when it is missing or not one (the action it
    belongs to then names the field)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
