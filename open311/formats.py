"""The two formats of GeoReport v2, chosen by the path's suffix (services.json, services.xml), and
its error document.

A view serves one format: the URL pattern hands it a single renderer, and the content negotiation
below always takes it, whatever the client's Accept header says, because the spec lets the suffix
decide. Errors are the spec's list of {code, description}; each also names the field it concerns
(`field`, a govgrid extension), and its description starts with that field's name.
"""

import re
from xml.etree import ElementTree

from django.http import HttpResponse, JsonResponse
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer

from govgrid.lib.errors import api_exception_handler

# Characters XML 1.0 cannot carry at all; a description typed with one still gets through, marked.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Element names of list items in the XML form, by the name of the list.
XML_ITEMS = {
    "service_requests": "request",
    "services": "service",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


class Open311JSONRenderer(JSONRenderer):
    media_type = "application/json"
    format = "json"
    charset = "utf-8"


class Open311XMLRenderer(BaseRenderer):
    """Lists become <root><item>…</item></root> with the root named by the view (`xml_root`) or
    <errors> for an error; None becomes an empty element, booleans true/false."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        status = response.status_code if response is not None else renderer_context.get("status", 200)
        if status >= 400:
            root_name = "errors"
        else:
            root_name = getattr(view, "xml_root", "response")
        root = ElementTree.Element(root_name)
        _fill(root, data)
        body = ElementTree.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


def _fill(element, value):
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        item_name = XML_ITEMS.get(element.tag, "item")
        for item in value:
            _fill(ElementTree.SubElement(element, item_name), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("\ufffd", str(value))


class SuffixNegotiation(BaseContentNegotiation):
    """The path's suffix has chosen the one renderer; request bodies are parsed as usual."""

    def select_parser(self, request, parsers):
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def open311_errors(exc, context, field_names):
    """govgrid's error answer turned into the spec's list: one entry per refused field and message.
    `field_names` maps our input names to the Open311 names the client sent (category → service_code)."""
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    body, status = response.data, response.status_code
    errors = []
    if "errors" in body:
        for field, messages in body["errors"].items():
            name = field_names.get(field, field)
            errors.extend(_error(status, f"{name}: {message}", name) for message in messages)
    else:
        name = field_names.get(body.get("field"), body.get("field"))
        errors.append(_error(status, f"{name}: {body['detail']}" if name else body["detail"], name))
    response.data = errors
    return response


def _error(status, description, field):
    error = {"code": status, "description": description}
    if field:
        error["field"] = field
    return error


def error_list_response(request, status, description, field=None):
    """The spec's error list outside DRF (an unknown path, a refused request before any view), as
    XML when the path asks for XML."""
    errors = [_error(status, description, field)]
    if request.path.endswith(".xml"):
        body = Open311XMLRenderer().render(errors, renderer_context={"view": None, "status": status})
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(
        errors,
        status=status,
        safe=False,
        json_dumps_params={"ensure_ascii": False},
        content_type="application/json; charset=utf-8",
    )
