/* govgrid's vector tile layer for Leaflet 1.x.
 *
 * L.govgrid.vectorTileLayer(urlTemplate, options) fetches the Mapbox Vector Tiles that
 * maps/tiles.py serves, decodes them with the small reader below and draws each tile on a canvas.
 * Clicking a polygon opens a popup of options.popupFields and calls the global function named by
 * options.onClick with its properties. With options.gcj02 the data (WGS84) is drawn shifted to
 * GCJ-02 so that it lines up with an AMap base map. maps/tiles.py's VectorTileLayer writes the
 * options; its docstring lists them.
 */
(function (L) {
  "use strict";

  // --- Protocol Buffers: the parts of the wire format a vector tile uses -----------------------
  function Reader(bytes) {
    this.bytes = bytes;
    this.pos = 0;
  }
  Reader.prototype.varint = function () {
    // Arithmetic rather than bit operations, which JS does in 32 bits: a varint may be longer.
    var value = 0, scale = 1, byte;
    do {
      byte = this.bytes[this.pos++];
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    return value;
  };
  Reader.prototype.slice = function () { // a length-delimited field: a string, message or packed list
    var length = this.varint(), start = this.pos;
    this.pos += length;
    return this.bytes.subarray(start, this.pos);
  };
  Reader.prototype.fixed = function (size) { // little-endian float (4) or double (8)
    var view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, size);
    this.pos += size;
    return size === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
  };
  Reader.prototype.skip = function (wireType) {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.slice();
    else if (wireType === 5) this.pos += 4;
    else throw new Error("vector tile: unknown wire type " + wireType);
  };

  // Calls onField(number, wireType, reader) for each field of a message; onField reads or skips it.
  function eachField(bytes, onField) {
    var reader = new Reader(bytes);
    while (reader.pos < bytes.length) {
      var key = reader.varint();
      onField(Math.floor(key / 8), key % 8, reader);
    }
  }

  function packedVarints(bytes) {
    var reader = new Reader(bytes), values = [];
    while (reader.pos < bytes.length) values.push(reader.varint());
    return values;
  }

  function zigzag(n) { // 0, 1, 2, 3 … → 0, -1, 1, -2 …
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  var utf8 = new TextDecoder("utf-8");

  // --- Mapbox Vector Tile 2.1: Tile.layers (3) → Layer → Feature, Value ------------------------
  function decodeTile(bytes) {
    var layers = {};
    eachField(bytes, function (field, wire, reader) {
      if (field === 3) {
        var layer = decodeLayer(reader.slice());
        layers[layer.name] = layer;
      } else reader.skip(wire);
    });
    return layers;
  }

  function decodeLayer(bytes) {
    var layer = { name: "", extent: 4096, keys: [], values: [], features: [] };
    eachField(bytes, function (field, wire, reader) {
      if (field === 1) layer.name = utf8.decode(reader.slice());
      else if (field === 2) layer.features.push(reader.slice()); // decoded once keys and values are read
      else if (field === 3) layer.keys.push(utf8.decode(reader.slice()));
      else if (field === 4) layer.values.push(decodeValue(reader.slice()));
      else if (field === 5) layer.extent = reader.varint();
      else reader.skip(wire);
    });
    layer.features = layer.features.map(function (feature) { return decodeFeature(feature, layer); });
    return layer;
  }

  function decodeValue(bytes) {
    var value = null;
    eachField(bytes, function (field, wire, reader) {
      if (field === 1) value = utf8.decode(reader.slice());
      else if (field === 2) value = reader.fixed(4);
      else if (field === 3) value = reader.fixed(8);
      else if (field === 4) { // int64, two's complement: negative numbers arrive as 2^64 - n
        value = reader.varint();
        if (value >= 9223372036854775808) value -= 18446744073709551616;
      } else if (field === 5) value = reader.varint();
      else if (field === 6) value = zigzag(reader.varint());
      else if (field === 7) value = reader.varint() !== 0;
      else reader.skip(wire);
    });
    return value;
  }

  function decodeFeature(bytes, layer) {
    var feature = { type: 0, properties: {}, rings: [] }, tags = [], commands = [];
    eachField(bytes, function (field, wire, reader) {
      if (field === 1) feature.id = reader.varint();
      else if (field === 2) tags = packedVarints(reader.slice());
      else if (field === 3) feature.type = reader.varint(); // 1 point, 2 line, 3 polygon
      else if (field === 4) commands = packedVarints(reader.slice());
      else reader.skip(wire);
    });
    for (var i = 0; i + 1 < tags.length; i += 2) feature.properties[layer.keys[tags[i]]] = layer.values[tags[i + 1]];
    // Overview grid tiles carry the code as the feature's id (maps/tiles.py).
    if (feature.properties.code === undefined && feature.id !== undefined) feature.properties.code = String(feature.id);
    feature.rings = decodeGeometry(commands);
    return feature;
  }

  // MoveTo (1) starts a ring, LineTo (2) extends it, each with `count` pairs of zigzag deltas from
  // a cursor that carries over from command to command; ClosePath (7) only ends the ring, which
  // canvas paths and the hit test close by themselves.
  function decodeGeometry(commands) {
    var rings = [], ring = null, x = 0, y = 0, i = 0;
    while (i < commands.length) {
      var id = commands[i] % 8, count = Math.floor(commands[i] / 8);
      i++;
      if (id === 7) continue;
      for (var n = 0; n < count && i + 1 < commands.length; n++) {
        x += zigzag(commands[i++]);
        y += zigzag(commands[i++]);
        if (id === 1) rings.push(ring = [[x, y]]);
        else if (ring) ring.push([x, y]);
      }
    }
    return rings;
  }

  // --- WGS84 → GCJ-02, the formula of govgrid/lib/coords.py (Krasovsky 1940 ellipsoid) ---------
  var KRASOVSKY_A = 6378245.0, KRASOVSKY_EE = 0.00669342162296594323;

  function toGcj02(lon, lat) {
    if (lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271) return [lon, lat]; // no offset outside China
    var PI = Math.PI, x = lon - 105.0, y = lat - 35.0;
    var wave = (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    var dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + wave
      + (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3
      + (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
    var dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + wave
      + (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3
      + (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
    var radLat = lat / 180 * PI, magic = 1 - KRASOVSKY_EE * Math.sin(radLat) * Math.sin(radLat);
    var sqrtMagic = Math.sqrt(magic);
    dlat = (dlat * 180) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtMagic) * PI);
    dlon = (dlon * 180) / (KRASOVSKY_A / sqrtMagic * Math.cos(radLat) * PI);
    return [lon + dlon, lat + dlat];
  }

  // --- drawing and hit testing -----------------------------------------------------------------
  function fillColour(style, properties) {
    var colours = style.colours || {}, value = style.property ? properties[style.property] : undefined;
    return Object.prototype.hasOwnProperty.call(colours, value) ? colours[value] : style.fillColor || "#3388ff";
  }

  function trace(ctx, rings, closed) {
    ctx.beginPath();
    rings.forEach(function (ring) {
      ring.forEach(function (p, i) { i === 0 ? ctx.moveTo(p[0], p[1]) : ctx.lineTo(p[0], p[1]); });
      if (closed) ctx.closePath();
    });
  }

  // A layer of some features only, each with its own line (the density map's hot spots):
  // style.strokes names, for a value of style.property, one of style.strokeStyles ({color, weight,
  // dashArray}); a feature whose value it does not name is not drawn (null).
  function lineOf(style, properties) {
    if (!style.strokes) return style;
    var value = properties[style.property];
    return Object.prototype.hasOwnProperty.call(style.strokes, value) ? style.strokeStyles[style.strokes[value]] : null;
  }

  function paint(ctx, style, properties, polygon, line) {
    if (polygon && style.fill !== false) {
      ctx.globalAlpha = style.fillOpacity === undefined ? 0.2 : style.fillOpacity;
      ctx.fillStyle = fillColour(style, properties);
      ctx.fill("evenodd");
    }
    if (style.stroke !== false && line.weight !== 0) {
      ctx.globalAlpha = line.opacity === undefined ? 1 : line.opacity;
      ctx.strokeStyle = line.color || "#3388ff";
      ctx.lineWidth = line.weight === undefined ? 1 : line.weight;
      ctx.setLineDash(line.dashArray ? String(line.dashArray).split(/[ ,]+/).map(Number) : []);
      ctx.stroke();
    }
  }

  // Even-odd rule over every ring of the feature, so holes and multipolygons count right.
  function contains(rings, x, y) {
    var inside = false;
    rings.forEach(function (ring) {
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var a = ring[i], b = ring[j];
        if ((a[1] > y) !== (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]) inside = !inside;
      }
    });
    return inside;
  }

  function escapeHtml(value) {
    return String(value === undefined || value === null ? "" : value).replace(/[&<>"']/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }

  function tileKey(coords) {
    return coords.x + ":" + coords.y + ":" + coords.z;
  }

  var VectorTileLayer = L.GridLayer.extend({
    options: { pane: "overlayPane", style: {}, popupFields: [], onClick: null, gcj02: false },

    initialize: function (url, options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this._url = url;
      this._drawn = {}; // tile key → {coords, features: [{properties, rings (tile pixels), polygon}]}
      this.on("tileunload", function (event) {
        if (event.tile.govgridAbort) event.tile.govgridAbort.abort();
        delete this._drawn[tileKey(event.coords)];
      }, this);
    },

    getEvents: function () {
      var events = L.GridLayer.prototype.getEvents.call(this);
      events.click = this._onClick;
      return events;
    },

    createTile: function (coords, done) {
      var layer = this, size = this.getTileSize(), ratio = window.devicePixelRatio || 1;
      var canvas = L.DomUtil.create("canvas", "govgrid-vector-tile");
      canvas.width = size.x * ratio; // the element is size.x CSS pixels wide: sharp on retina screens
      canvas.height = size.y * ratio;
      var abort = canvas.govgridAbort = new AbortController();
      var sources = this._sourceTiles(coords);
      Promise.all(sources.map(function (source) { return layer._fetch(source, abort.signal); }))
        .then(function (tiles) {
          if (!abort.signal.aborted) layer._draw(canvas, coords, sources, tiles, ratio);
          done(null, canvas);
        })
        .catch(function (error) { done(error, canvas); }); // Leaflet fires `tileerror`
      return canvas;
    },

    _fetch: function (coords, signal) {
      var url = L.Util.template(this._url, { x: coords.x, y: coords.y, z: coords.z });
      return fetch(url, { credentials: "same-origin", signal: signal }).then(function (response) {
        if (response.status === 204 || response.status === 404) return null; // no data there
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/vnd.mapbox-vector-tile") !== 0) {
          throw new Error("vector tile " + url + ": HTTP " + response.status + " " + type);
        }
        return response.arrayBuffer().then(function (buffer) { return decodeTile(new Uint8Array(buffer)); });
      });
    },

    // The data tiles whose features land on the tile shown at `coords`: that tile itself, or with
    // gcj02 the WGS84 tiles under it moved back by the GCJ-02 offset (a few hundred metres, so at
    // high zoom a shown tile draws from up to four data tiles).
    _sourceTiles: function (coords) {
      if (!this.options.gcj02) return [coords];
      var size = this.getTileSize(), crs = this._map.options.crs, z = coords.z, xs = [], ys = [], tiles = [];
      [[0, 0], [1, 0], [0, 1], [1, 1]].forEach(function (corner) {
        var shown = crs.pointToLatLng(L.point((coords.x + corner[0]) * size.x, (coords.y + corner[1]) * size.y), z);
        // The WGS84 point drawn here is about shown − offset: the offset barely changes over its own size.
        var shifted = toGcj02(shown.lng, shown.lat);
        var p = crs.latLngToPoint(L.latLng(2 * shown.lat - shifted[1], 2 * shown.lng - shifted[0]), z);
        xs.push(p.x / size.x);
        ys.push(p.y / size.y);
      });
      var last = Math.pow(2, z) - 1;
      function range(values) { // the tiles under those corners, widened by a few pixels for rounding
        return [Math.max(0, Math.floor(Math.min.apply(null, values) - 0.02)),
          Math.min(last, Math.floor(Math.max.apply(null, values) + 0.02))];
      }
      var columns = range(xs), rows = range(ys);
      for (var x = columns[0]; x <= columns[1]; x++) {
        for (var y = rows[0]; y <= rows[1]; y++) tiles.push(L.extend(L.point(x, y), { z: z }));
      }
      return tiles;
    },

    // A function from a data tile's units (0 … extent) to pixels of the tile shown at `shown`.
    _projector: function (shown, source, extent) {
      var size = this.getTileSize(), kx = size.x / extent, ky = size.y / extent;
      if (!this.options.gcj02) return function (u, v) { return [u * kx, v * ky]; };
      var crs = this._map.options.crs, z = shown.z;
      return function (u, v) {
        var wgs84 = crs.pointToLatLng(L.point(source.x * size.x + u * kx, source.y * size.y + v * ky), z);
        var gcj02 = toGcj02(wgs84.lng, wgs84.lat);
        var p = crs.latLngToPoint(L.latLng(gcj02[1], gcj02[0]), z);
        return [p.x - shown.x * size.x, p.y - shown.y * size.y];
      };
    },

    _draw: function (canvas, coords, sources, tiles, ratio) {
      var ctx = canvas.getContext("2d"), style = this.options.style, drawn = [], layer = this;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineJoin = "round";
      sources.forEach(function (source, i) {
        Object.keys(tiles[i] || {}).forEach(function (name) {
          var data = tiles[i][name], project = layer._projector(coords, source, data.extent);
          ctx.save();
          if (layer.options.gcj02) {
            // Draw only the data tile's own square, shifted, as its buffer overlaps the next data
            // tile. The offset hardly changes across a tile, so the square stays a rectangle; its
            // edges go on whole device pixels, where the next tile's start, so no seam shows.
            var e = data.extent, nw = project(0, 0), ne = project(e, 0), se = project(e, e), sw = project(0, e);
            var snap = function (a, b) { return Math.round((a + b) / 2 * ratio) / ratio; };
            var left = snap(nw[0], sw[0]), top = snap(nw[1], ne[1]);
            ctx.beginPath();
            ctx.rect(left, top, snap(ne[0], se[0]) - left, snap(sw[1], se[1]) - top);
            ctx.clip();
          }
          data.features.forEach(function (feature) {
            if (feature.type !== 2 && feature.type !== 3) return; // govgrid serves no points
            var line = lineOf(style, feature.properties);
            if (!line) return; // not among the features this layer draws
            var rings = feature.rings.map(function (ring) {
              return ring.map(function (p) { return project(p[0], p[1]); });
            });
            trace(ctx, rings, feature.type === 3);
            paint(ctx, style, feature.properties, feature.type === 3, line);
            drawn.push({ properties: feature.properties, rings: rings, polygon: feature.type === 3 });
          });
          ctx.restore();
        });
      });
      this._drawn[tileKey(coords)] = { coords: coords, features: drawn };
    },

    // The properties of the topmost polygon under `latlng`, tested in tile pixels on the rings
    // drawn, on the loaded tile whose zoom is nearest the map's (old tiles linger while zooming).
    _featureAt: function (latlng) {
      var size = this.getTileSize(), crs = this._map.options.crs, zoom = this._map.getZoom(), found = null, nearest = Infinity;
      Object.keys(this._drawn).forEach(function (key) {
        var tile = this._drawn[key], c = tile.coords, p = crs.latLngToPoint(latlng, c.z);
        var x = p.x - c.x * size.x, y = p.y - c.y * size.y;
        if (x < 0 || y < 0 || x >= size.x || y >= size.y || Math.abs(c.z - zoom) >= nearest) return;
        for (var i = tile.features.length - 1; i >= 0; i--) {
          var feature = tile.features[i];
          if (feature.polygon && contains(feature.rings, x, y)) {
            found = feature.properties;
            nearest = Math.abs(c.z - zoom);
            return;
          }
        }
      }, this);
      return found;
    },

    _onClick: function (event) {
      var properties = this._featureAt(event.latlng), fields = this.options.popupFields || [];
      if (!properties) return;
      if (fields.length) {
        // Only the fields the feature carries: overview tiles (grids below zoom 13) hold fewer.
        var rows = fields.filter(function (field) {
          return properties[field[0]] !== undefined && properties[field[0]] !== null;
        }).map(function (field) {
          return "<tr><th>" + escapeHtml(field[1]) + "</th><td>" + escapeHtml(properties[field[0]]) + "</td></tr>";
        });
        L.popup().setLatLng(event.latlng).setContent('<table class="govgrid-feature">' + rows.join("") + "</table>").openOn(this._map);
      }
      if (this.options.onClick) {
        var handler = this.options.onClick.split(".").reduce(function (object, name) {
          return object === undefined || object === null ? undefined : object[name];
        }, window);
        if (typeof handler === "function") handler(properties, event.latlng, this);
        else console.warn("govgrid vector tiles: no function " + this.options.onClick);
      }
      this.fire("featureclick", { properties: properties, latlng: event.latlng });
    },

    // Properties of every feature on the tiles now loaded; a feature on two tiles appears twice.
    drawnFeatures: function () {
      var all = [];
      Object.keys(this._drawn).forEach(function (key) {
        this._drawn[key].features.forEach(function (feature) { all.push(feature.properties); });
      }, this);
      return all;
    }
  });

  L.govgrid = L.govgrid || {};
  L.govgrid.VectorTileLayer = VectorTileLayer;
  L.govgrid.vectorTileLayer = function (url, options) { return new VectorTileLayer(url, options); };
  L.govgrid.decodeTile = decodeTile;
  L.govgrid.toGcj02 = toGcj02;
})(L);
