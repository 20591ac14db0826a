"""The Content-Security-Policy of every answer: the app serves every script, style, font and image
itself, so the browser is told to run and load nothing else.

| directive   | allows                                                                           |
|-------------|----------------------------------------------------------------------------------|
| default-src | 'self'                                                                           |
| script-src  | 'self'; inline scripts carrying this answer's nonce (request.csp_nonce, used by   |
|             | the templates' <script nonce> and django-leaflet's admin widget); the inline      |
|             | script folium writes in every map's <head> (by its hash: it holds no data); no    |
|             | inline event handler (the filter forms submit from maps/static/maps/forms.js)     |
| style-src   | 'self' 'unsafe-inline' (below)                                                    |
| img-src     | 'self', data: and blob: (icons, photo previews, the map saved as PNG) and the     |
|             | hosts of the configured base map's tiles, nothing else (GOVGRID_BASEMAP)          |
| connect-src | 'self' (the API, vector tiles, the phone's outbox)                                |
| object-src 'none', base-uri 'none', form-action 'self', frame-ancestors 'none'                     |

Styles: 'unsafe-inline'. folium writes <style> blocks per map, and Leaflet, folium's popups and
Swagger UI write style attributes into HTML they build in the browser; a nonce cannot reach those
attributes, and a style cannot run code. Scripts, where an injection would do harm, stay strict:
no 'unsafe-inline', no 'unsafe-eval'.

Answers that are not HTML (JSON, files, the phone's service worker) get the same policy without
a nonce, made once: the API's hot path pays nothing for it.
"""

import base64
import functools
import hashlib
import re
import secrets
from urllib.parse import urlsplit

from django.utils.functional import SimpleLazyObject

from govgrid.lib import basemap


def source_hash(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@functools.cache
def folium_header_hashes():
    """The hashes of the inline scripts folium writes in a map's <head> (L_NO_TOUCH, L_DISABLE_3D):
    taken from folium itself, so a new folium version is allowed what it writes there and nothing more."""
    import folium

    figure = folium.Map(tiles=None).get_root()
    figure.render()
    header = figure.header.render()
    return tuple(source_hash(body) for body in re.findall(r"<script>(.*?)</script>", header, re.S))


def tile_hosts(layers):
    """The origins the base map's tiles come from: each {s} subdomain spelt out."""
    hosts = []
    for url, _attribution, subdomains in layers:
        for sub in subdomains if "{s}" in url else [""]:
            parts = urlsplit(url.replace("{s}", sub))
            if parts.scheme and parts.netloc:
                hosts.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(dict.fromkeys(hosts))


@functools.cache
def _policy(layers, nonce=None):
    scripts = ["'self'", *([f"'nonce-{nonce}'"] if nonce else []), *folium_header_hashes()]
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *tile_hosts(layers)],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def policy(nonce=None):
    layers = tuple(tuple(layer) for layer in basemap.tile_layers())
    if nonce is None:
        return _policy(layers)
    return _policy.__wrapped__(layers, nonce)


class ContentSecurityPolicy:
    """Sets request.csp_nonce (made only when a template asks for it) and the policy on every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = SimpleLazyObject(lambda: secrets.token_urlsafe(18))
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            html = response.get("Content-Type", "").startswith("text/html")
            response["Content-Security-Policy"] = policy(str(request.csp_nonce) if html else None)
        return response
