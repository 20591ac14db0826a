"""Each API view carries its own description for the OpenAPI schema (a decorator from its app's
schema module, as open311's views do), none is described from outside it, and every answer of
every operation in the generated document has a described body."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
NO_BODY = {"204", "304"}  # statuses whose answer has no body


def api_views(patterns=None, prefix=""):
    """(route, the DRF view function as_view() made) for every URL of the API (api/v1/, open311/v2/)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if route.startswith(("api/v1/", "open311/v2/")) and hasattr(pattern.callback, "cls"):
                yield route, pattern.callback


def described_on_the_view(view_class, method):
    """Does the view's method, or the view class itself, carry an @extend_schema annotation?"""
    # @extend_schema on a method leaves its schema class in the method's kwargs; on a class (the
    # exports) it makes the class's schema an instance of a class it defines.
    on_method = getattr(getattr(view_class, method), "kwargs", {}).get("schema")
    on_class = type(getattr(view_class, "schema", None))
    return on_method is not None or on_class.__qualname__.startswith("extend_schema.")


@pytest.fixture(scope="module")
def document():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_api_view_carries_its_own_description():
    undescribed = [
        (route, method)
        for route, view in api_views()
        for method in HTTP_METHODS
        if hasattr(view.cls, method) and not described_on_the_view(view.cls, method)
    ]
    assert undescribed == []


def test_no_api_view_is_described_from_outside_it():
    from_outside = [
        (route, extension.__name__)
        for route, view in api_views()
        if (extension := OpenApiViewExtension.get_match(view)) is not None
    ]
    assert from_outside == []


def test_a_view_without_a_description_is_caught():
    from rest_framework.views import APIView

    class Undescribed(APIView):
        def get(self, request):
            pass

    class Described(APIView):
        @extend_schema(summary="Described")
        def get(self, request):
            pass

    assert not described_on_the_view(Undescribed, "get")
    assert described_on_the_view(Described, "get")


def test_every_answer_of_every_operation_has_a_described_body(document):
    undescribed = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            assert any(status.startswith("2") for status in operation["responses"]), (method, path)
            for status, answer in operation["responses"].items():
                if status in NO_BODY:
                    continue
                contents = answer.get("content") or {None: {}}
                for media_type, content in contents.items():
                    schema = content.get("schema") or {}
                    if not ({"$ref", "type", "oneOf", "allOf"} & set(schema)):
                        undescribed.append((method, path, status, media_type))
    assert undescribed == []


def test_every_component_an_answer_refers_to_has_its_fields(document):
    for name, component in document["components"]["schemas"].items():
        assert {"properties", "enum", "oneOf", "allOf"} & set(component), name
