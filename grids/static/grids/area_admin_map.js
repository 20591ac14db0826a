/* The area admin's editing map (django-leaflet's widget), as govgrid needs it:
 *
 * - The boundary is written back at full precision with its holes. django-leaflet's store passes
 *   its DEFAULT_PRECISION (6 decimals) to Leaflet's toGeoJSON, so merely opening the editor and
 *   saving moved every vertex by up to 5 cm and opened slivers against the neighbours; and it keeps
 *   only the outer ring of each polygon.
 * - The drawing toolbar speaks the page's language (texts from grids/admin.py's MAP_TEXTS).
 * - The neighbouring areas are drawn read-only, labelled with their code and name; clicking one
 *   ticks it in "Move the shared border with", and the ticked ones are drawn in another colour.
 */
(function () {
    "use strict";

    L.GovgridFieldStore = L.FieldStore.extend({
        _serialize: function (layer) {
            var polygons = [];
            layer.eachLayer(function (part) {
                var geometry = part.toGeoJSON(false).geometry;  // false: no rounding
                if (geometry.type === "Polygon") {
                    polygons.push(geometry.coordinates);
                } else if (geometry.type === "MultiPolygon") {
                    polygons.push.apply(polygons, geometry.coordinates);
                }
            });
            return polygons.length ? JSON.stringify({type: "MultiPolygon", coordinates: polygons}) : "";
        }
    });

    // The boundary shown as large as it fits, with a margin where the neighbours' labels show (in
    // quarter zoom steps: whole steps often leave it half as large); django-leaflet's field fits it
    // to the edges, at most to zoom 15.
    L.GovgridGeometryField = L.GeometryField.extend({
        _setView: function () {
            var bounds = this.drawnItems.getBounds();
            if (bounds.isValid()) {
                this._map.options.zoomSnap = 0.25;
                this._map.fitBounds(bounds.pad(0.35), {maxZoom: 18});
            }
        }
    });

    var STYLE = {color: "#6b7280", weight: 1.5, dashArray: "4 4", fillColor: "#9ca3af", fillOpacity: 0.15};
    var MOVING = {color: "#c2410c", weight: 2, dashArray: null, fillColor: "#fb923c", fillOpacity: 0.25};

    function checkboxFor(id) {
        return document.querySelector('input[name="move_border_with"][value="' + id + '"]');
    }

    // Neighbours across the parent's border (another community) drawn with longer dashes.
    var ACROSS = L.extend({}, STYLE, {color: "#374151", dashArray: "10 4"});

    function styleFor(feature) {
        var box = checkboxFor(feature.id);
        if (box && box.checked) {
            return MOVING;
        }
        return feature.properties.same_parent ? STYLE : ACROSS;
    }

    // The drawing toolbar's texts in the page's language, set before the toolbar is made.
    function translateToolbar() {
        var source = document.getElementById("area-map-texts");
        if (!source) {
            return;
        }
        var texts = JSON.parse(source.textContent);
        Object.keys(texts).forEach(function (path) {
            var keys = path.split("."), target = L.drawLocal;
            for (var i = 0; i < keys.length - 1 && target; i++) {
                target = target[keys[i]];
            }
            if (target) {
                target[keys[keys.length - 1]] = texts[path];
            }
        });
    }

    window.addEventListener("map:init", translateToolbar);

    window.addEventListener("map:init", function (event) {
        var source = document.getElementById("area-neighbours");
        if (!source) {
            return;
        }
        var map = event.detail.map;
        var neighbours = L.geoJSON(JSON.parse(source.textContent), {
            interactive: true,
            style: styleFor,
            onEachFeature: function (feature, layer) {
                var label = document.createElement("span");
                label.className = "govgrid-neighbour-label";
                label.appendChild(document.createTextNode(feature.properties.name));
                label.appendChild(document.createElement("br"));
                label.appendChild(document.createTextNode(feature.properties.code));
                layer.bindTooltip(label, {permanent: true, direction: "center", className: "govgrid-neighbour"});
                layer.on("click", function () {
                    var box = checkboxFor(feature.id);
                    if (box) {
                        box.checked = !box.checked;
                        layer.setStyle(styleFor(feature));
                    }
                });
            }
        }).addTo(map);
        neighbours.eachLayer(function (layer) { layer.bringToBack(); });
        document.querySelectorAll('input[name="move_border_with"]').forEach(function (box) {
            box.addEventListener("change", function () {
                neighbours.eachLayer(function (layer) {
                    layer.setStyle(styleFor(layer.feature));
                });
            });
        });
    });
})();
