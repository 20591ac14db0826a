/* The admin map of a draft re-division (redivision/admin.py): the community's grids as the draft
 * leaves them over the greyed grids around it, Leaflet.draw's line and polygon tools, and the edits
 * posted as JSON with the draft's version. A refusal is shown beside the map, as the server words it.
 */
(function () {
    "use strict";

    var data = JSON.parse(document.getElementById("draft-map-data").textContent);
    var texts = data.texts;
    var version = data.version;
    var ticked = {};  // code → true: the grids ticked in the list or on the map
    var pendingArea = null;  // the polygon drawn, waiting to become a new grid or a ticked grid's ground

    var GRID = {color: "#1f3a5f", weight: 2, fillColor: "#7fb3d5", fillOpacity: 0.35};
    var MADE = L.extend({}, GRID, {dashArray: "6 4", fillColor: "#aed6f1"});
    var TICKED = {color: "#c2410c", weight: 3, fillColor: "#fb923c", fillOpacity: 0.45};
    var NEIGHBOUR = {color: "#6b7280", weight: 1, dashArray: "4 4", fillColor: "#9ca3af", fillOpacity: 0.2};

    // The drawing toolbar's texts in the page's language, set before the toolbar is made.
    Object.keys(data.drawTexts).forEach(function (path) {
        var keys = path.split("."), target = L.drawLocal;
        for (var i = 0; i < keys.length - 1 && target; i++) {
            target = target[keys[i]];
        }
        if (target) {
            target[keys[keys.length - 1]] = data.drawTexts[path];
        }
    });

    var map = L.map("draft-map", {zoomSnap: 0.25, attributionControl: data.tiles.length > 0});
    data.tiles.forEach(function (tile) {
        L.tileLayer(tile.url, {attribution: tile.attribution || "", subdomains: tile.subdomains || "abc"}).addTo(map);
    });
    if (map.attributionControl) {
        map.attributionControl.setPrefix(false);
    }
    L.control.scale({imperial: false}).addTo(map);
    // The admin's sidebar and the tools beside the map settle their widths after the map is made:
    // the map follows its box, or it would centre the grids on a width it no longer has.
    if (window.ResizeObserver) {
        new ResizeObserver(function () { map.invalidateSize(); }).observe(map.getContainer());
    }
    window.draftMap = map;  // for the browser tests, which turn coordinates into pixels

    function label(feature, layer, className) {
        var text = document.createElement("span");
        text.appendChild(document.createTextNode(feature.properties.name));
        text.appendChild(document.createElement("br"));
        text.appendChild(document.createTextNode(feature.properties.code));
        layer.bindTooltip(text, {permanent: true, direction: "center", className: "draft-label " + className});
    }

    // Labels where the server says (a point inside each grid): a grid's own centre may lie in a
    // grid carved out of it, under that grid's label.
    function placeLabels(group) {
        group.eachLayer(function (layer) {
            var at = layer.feature.properties.label_at;
            if (at) {
                layer.openTooltip(L.latLng(at[1], at[0]));
            }
        });
    }

    var neighbours = L.geoJSON(data.neighbours, {
        style: NEIGHBOUR,
        interactive: false,
        onEachFeature: function (feature, layer) { label(feature, layer, "neighbour"); }
    }).addTo(map);

    function styleFor(feature) {
        if (ticked[feature.properties.code]) {
            return TICKED;
        }
        return feature.properties.draft ? MADE : GRID;
    }

    var grids = L.geoJSON(null, {
        style: styleFor,
        onEachFeature: function (feature, layer) {
            label(feature, layer, "grid");
            layer.on("click", function () { tick(feature.properties.code, !ticked[feature.properties.code]); });
        }
    }).addTo(map);

    function tick(code, on) {
        if (on) {
            ticked[code] = true;
        } else {
            delete ticked[code];
        }
        var box = document.querySelector('#draft-grids input[value="' + code + '"]');
        if (box) {
            box.checked = on;
        }
        grids.setStyle(styleFor);
    }

    function tickedCodes() {
        return Object.keys(ticked).sort();
    }

    function listGrids(collection) {
        var list = document.getElementById("draft-grids");
        list.textContent = "";
        collection.features.forEach(function (feature) {
            var p = feature.properties;
            var item = document.createElement("li");
            var labelEl = document.createElement("label");
            var box = document.createElement("input");
            box.type = "checkbox";
            box.value = p.code;
            box.checked = !!ticked[p.code];
            box.addEventListener("change", function () { tick(p.code, box.checked); });
            labelEl.appendChild(box);
            var words = " " + p.code + " " + p.name + " · " + p.kind_label + (p.households !== null ? " · " + p.households : "");
            var span = document.createElement("span");
            span.textContent = words;
            if (p.draft) {
                span.className = "draft";
            }
            labelEl.appendChild(span);
            item.appendChild(labelEl);
            list.appendChild(item);
        });
    }

    function show(collection, fit) {
        grids.clearLayers();
        grids.addData(collection);
        listGrids(collection);
        if (fit) {
            map.invalidateSize();  // the admin's layout may have resized the map since it was made
            if (grids.getBounds().isValid()) {
                map.fitBounds(grids.getBounds().pad(0.15));
            } else {
                map.setView([32.69, 112.08], 11);
            }
        }
        placeLabels(grids);
    }

    function say(id, text) {
        ["draft-map-error", "draft-map-status"].forEach(function (other) {
            document.getElementById(other).hidden = true;
        });
        var el = document.getElementById(id);
        el.textContent = text;
        el.hidden = !text;
    }

    function setPendingArea(layer) {
        if (pendingArea) {
            map.removeLayer(pendingArea);
        }
        pendingArea = layer;
        if (layer) {
            layer.setStyle({color: "#7e22ce", weight: 2, fillOpacity: 0.3});
            layer.addTo(map);
        }
        document.getElementById("draft-carve-new").disabled = !layer;
        document.getElementById("draft-carve-into").disabled = !layer;
    }

    function post(body, doneText) {
        body.version = version;
        body.community = data.community;
        var csrf = document.querySelector("#draft-editor input[name=csrfmiddlewaretoken]").value;
        return fetch(data.editUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
            body: JSON.stringify(body)
        }).then(function (response) {
            return response.json().then(function (answer) {
                if (!response.ok) {
                    say("draft-map-error", answer.detail || texts.failed);
                    return;
                }
                version = answer.version;
                document.getElementById("draft-version").textContent = version;
                ticked = {};
                setPendingArea(null);
                show(answer.grids, false);
                say("draft-map-status", doneText.replace("%(codes)s", answer.made.join("、")));
            });
        }).catch(function () {
            say("draft-map-error", texts.failed);
        });
    }

    // The tools: a line splits, a polygon waits for the button that says what it becomes.
    if (data.editable) {
        new L.Control.Draw({
            position: "topleft",
            draw: {
                polyline: {shapeOptions: {color: "#7e22ce", weight: 3}},
                polygon: {allowIntersection: false, shapeOptions: {color: "#7e22ce"}},
                rectangle: false, circle: false, marker: false, circlemarker: false
            },
            edit: false
        }).addTo(map);
    }
    map.on(L.Draw.Event.CREATED, function (event) {
        if (event.layerType === "polyline") {
            var codes = tickedCodes();
            post({action: "split", line: event.layer.toGeoJSON(false).geometry, grid: codes.length === 1 ? codes[0] : ""},
                 texts.split_done);
        } else {
            setPendingArea(event.layer);
        }
    });

    function value(id) {
        return document.getElementById(id).value.trim();
    }

    document.getElementById("draft-merge").addEventListener("click", function () {
        var codes = tickedCodes();
        if (codes.length < 2) {
            say("draft-map-error", texts.tick_two);
            return;
        }
        post({action: "merge", grids: codes, name: value("draft-name"), kind: value("draft-kind")}, texts.merge_done);
    });
    document.getElementById("draft-carve-new").addEventListener("click", function () {
        if (!pendingArea) {
            say("draft-map-error", texts.draw_area);
            return;
        }
        post({action: "carve", polygon: pendingArea.toGeoJSON(false).geometry, name: value("draft-name"),
              kind: value("draft-kind")}, texts.carve_done);
    });
    document.getElementById("draft-carve-into").addEventListener("click", function () {
        var codes = tickedCodes();
        if (!pendingArea) {
            say("draft-map-error", texts.draw_area);
            return;
        }
        if (codes.length !== 1) {
            say("draft-map-error", texts.tick_one);
            return;
        }
        post({action: "carve", polygon: pendingArea.toGeoJSON(false).geometry, into: codes[0]}, texts.carve_done);
    });
    document.getElementById("draft-undo").addEventListener("click", function () {
        if (window.confirm(texts.confirm_undo)) {
            post({action: "undo"}, texts.undo_done);
        }
    });

    show(data.grids, true);
    placeLabels(neighbours);
})();
