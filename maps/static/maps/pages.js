/* govgrid map pages: popups fetched from the server, a heat layer and saving a map as PNG.
   Plain Leaflet 1.x; nothing here reaches beyond the app's own server. */
(function () {
  "use strict";

  /* A function that opens a popup at a point with the HTML at `url` ("{code}" replaced by a grid's
     code, the page's query string kept): for grids drawn inline and, through govgridOpenFeature,
     for vector tiles. */
  function remotePopup(map, url) {
    return function (code, latlng) {
      const popup = L.popup({ maxWidth: 360 }).setLatLng(latlng).setContent("…").openOn(map);
      fetch(url.replace("{code}", encodeURIComponent(code)) + window.location.search, { credentials: "same-origin" })
        .then((answer) => (answer.ok ? answer.text() : Promise.reject(answer.status)))
        .then((html) => popup.setContent(html))
        .catch((status) => popup.setContent(String(status)));
    };
  }

  /* A heat map of weighted points [[lat, lon, weight]]: each point adds a soft disc of `radius`
     pixels to an intensity canvas, which is then coloured through a palette. Redrawn after every
     move and zoom, only for the points in view. */
  const HeatLayer = L.Layer.extend({
    options: { radius: 18, blur: 14, maxOpacity: 0.75, pane: "overlayPane" },

    initialize: function (points, options) {
      this._points = points;
      this._max = points.reduce((m, p) => Math.max(m, p[2]), 1);
      L.setOptions(this, options);
    },

    onAdd: function (map) {
      this._map = map;
      this._canvas = L.DomUtil.create("canvas", "govgrid-heat leaflet-zoom-hide");
      this._canvas.style.pointerEvents = "none";
      map.getPane(this.options.pane).appendChild(this._canvas);
      map.on("moveend zoomend resize", this._redraw, this);
      this._redraw();
    },

    onRemove: function (map) {
      map.off("moveend zoomend resize", this._redraw, this);
      this._canvas.remove();
    },

    _palette: function () {
      if (this._colours) return this._colours;
      const strip = document.createElement("canvas");
      strip.width = 256;
      strip.height = 1;
      const ctx = strip.getContext("2d");
      const gradient = ctx.createLinearGradient(0, 0, 256, 0);
      [[0.0, "#2c7bb6"], [0.35, "#abd9e9"], [0.55, "#ffffbf"], [0.75, "#fdae61"], [1.0, "#d7191c"]].forEach(
        ([at, colour]) => gradient.addColorStop(at, colour)
      );
      ctx.fillStyle = gradient;
      ctx.fillRect(0, 0, 256, 1);
      this._colours = ctx.getImageData(0, 0, 256, 1).data;
      return this._colours;
    },

    _redraw: function () {
      const map = this._map;
      const size = map.getSize();
      const canvas = this._canvas;
      canvas.width = size.x;
      canvas.height = size.y;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      const ctx = canvas.getContext("2d");
      const reach = this.options.radius + this.options.blur;
      const bounds = map.getBounds().pad(0.1);
      // The points' weights piled up as alpha on a grey disc each.
      for (const [lat, lon, weight] of this._points) {
        if (!bounds.contains([lat, lon])) continue;
        const at = map.latLngToContainerPoint([lat, lon]);
        const disc = ctx.createRadialGradient(at.x, at.y, 0, at.x, at.y, reach);
        const strength = Math.min(1, 0.15 + 0.85 * Math.sqrt(weight / this._max));
        disc.addColorStop(0, `rgba(0,0,0,${strength})`);
        disc.addColorStop(1, "rgba(0,0,0,0)");
        ctx.fillStyle = disc;
        ctx.fillRect(at.x - reach, at.y - reach, 2 * reach, 2 * reach);
      }
      if (!size.x || !size.y) return;
      const image = ctx.getImageData(0, 0, size.x, size.y);
      const pixels = image.data;
      const colours = this._palette();
      for (let i = 3; i < pixels.length; i += 4) {
        const alpha = pixels[i];
        if (!alpha) continue;
        const c = alpha * 4;
        pixels[i - 3] = colours[c];
        pixels[i - 2] = colours[c + 1];
        pixels[i - 1] = colours[c + 2];
        pixels[i] = Math.min(255 * this.options.maxOpacity, alpha * 1.5);
      }
      ctx.putImageData(image, 0, 0);
      this.drawn = this._points.length;
    },
  });

  /* The map as a PNG for a report: the base-map tiles, the vector layers (SVG or canvas), the heat
     canvas, then a title and the legend, composed on one canvas and downloaded. Tiles from a base
     map that does not allow it (no CORS) are left out rather than spoiling the picture. */
  function savePng(map, title, legend, filename) {
    const box = map.getContainer().getBoundingClientRect();
    const scale = window.devicePixelRatio || 1;
    const header = 44;
    const legendHeight = legend.length ? 28 : 0;
    const canvas = document.createElement("canvas");
    canvas.width = box.width * scale;
    canvas.height = (box.height + header + legendHeight) * scale;
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, box.width, box.height + header + legendHeight);
    ctx.fillStyle = "#f2efe9";
    ctx.fillRect(0, header, box.width, box.height);

    const place = (element) => {
      const r = element.getBoundingClientRect();
      return [r.left - box.left, r.top - box.top + header, r.width, r.height];
    };
    const pending = [];
    map.getContainer().querySelectorAll("img.leaflet-tile-loaded").forEach((img) => {
      try {
        const [x, y, w, h] = place(img);
        ctx.drawImage(img, x, y, w, h);
        ctx.getImageData(0, 0, 1, 1); // throws when the tile tainted the canvas
      } catch (e) {
        ctx.fillStyle = "#f2efe9";
        ctx.fillRect(0, header, box.width, box.height);
      }
    });
    map.getContainer().querySelectorAll(".leaflet-pane svg, .leaflet-pane canvas").forEach((layer) => {
      const [x, y, w, h] = place(layer);
      if (layer.tagName.toLowerCase() === "canvas") {
        pending.push(Promise.resolve(() => ctx.drawImage(layer, x, y, w, h)));
        return;
      }
      const copy = layer.cloneNode(true);
      copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
      copy.setAttribute("width", w);
      copy.setAttribute("height", h);
      const source = new XMLSerializer().serializeToString(copy);
      const image = new Image();
      const url = URL.createObjectURL(new Blob([source], { type: "image/svg+xml" }));
      pending.push(
        new Promise((resolve) => {
          image.onload = () => resolve(() => ctx.drawImage(image, x, y, w, h));
          image.onerror = () => resolve(() => {});
          image.src = url;
        })
      );
    });
    return Promise.all(pending).then((draws) => {
      draws.forEach((draw) => draw()); // in page order, so later panes stay on top
      ctx.fillStyle = "#1f2d3d";
      ctx.font = "bold 18px 'Noto Sans CJK SC', sans-serif";
      ctx.fillText(title, 12, 28);
      ctx.font = "12px 'Noto Sans CJK SC', sans-serif";
      ctx.fillStyle = "#555";
      const stamp = new Date().toLocaleString();
      ctx.fillText(stamp, box.width - ctx.measureText(stamp).width - 12, 28);
      let x = 12;
      const y = header + box.height + 8;
      for (const [label, colour] of legend) {
        ctx.fillStyle = colour;
        ctx.fillRect(x, y, 14, 14);
        ctx.fillStyle = "#1f2d3d";
        ctx.fillText(label, x + 18, y + 12);
        x += 30 + ctx.measureText(label).width;
      }
      return new Promise((resolve) =>
        canvas.toBlob((blob) => {
          const link = document.createElement("a");
          link.download = filename;
          link.href = URL.createObjectURL(blob);
          document.body.appendChild(link);
          link.click();
          link.remove();
          resolve(blob);
        }, "image/png")
      );
    });
  }

  /* A station's marker keeps its name (its tooltip) but not the click: the click goes to what lies
     under it, the grid, whose card names the nearest station anyway. Every marker of the layer
     steps aside while the element under the point is found, so overlapping markers cannot bounce
     the click between them. */
  function passClicksThrough(markers) {
    markers.on("click", (event) => {
      const original = event.originalEvent;
      if (!original) return;
      const { clientX, clientY } = original;
      const elements = [];
      markers.eachLayer((marker) => marker.getElement && elements.push(marker.getElement()));
      elements.forEach((element) => element && (element.style.pointerEvents = "none"));
      const below = document.elementFromPoint(clientX, clientY);
      elements.forEach((element) => element && (element.style.pointerEvents = ""));
      if (below) below.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, clientX, clientY }));
    });
  }

  /* Wires a page: `config` comes from the template's json_script. */
  function init(config) {
    const map = window[config.map];
    const layers = (config.popupLayers || []).map((name) => window[name]).filter(Boolean);
    const open = remotePopup(map, config.popupUrl);
    layers.forEach((layer) => layer.on("click", (event) => open(event.layer.feature.properties.code, event.latlng)));
    window.govgridOpenFeature = function (properties, latlng) {
      open(properties.code, latlng);
    };
    if (config.heat) {
      const heat = new HeatLayer(config.heat);
      heat.addTo(map);
      window.govgridHeat = heat;
      const control = layerControls.find((c) => c._map === map);
      if (control) control.addOverlay(heat, config.heatName);
    }
    if (config.stationReach) {
      // A circle of the stations' reach around each station point, drawn under the points.
      const { stations, group, metres } = config.stationReach;
      const points = window[stations];
      if (points && window[group]) {
        const style = { radius: metres, color: "#2b8cbe", weight: 1, fillOpacity: 0.06, interactive: false, className: "reach" };
        const circles = [];
        points.eachLayer((point) => circles.push(L.circle(point.getLatLng(), style)));
        window[group].addLayer(L.featureGroup(circles));
        points.bringToFront();
        passClicksThrough(points);
      }
    }
    const button = document.getElementById("save-png");
    if (button) {
      button.addEventListener("click", () => {
        button.disabled = true;
        savePng(map, config.title, config.legend || [], config.filename).finally(() => (button.disabled = false));
      });
    }
  }

  /* Every layer control the page's map script makes (folium declares it with `let`, out of the
     window's reach), and on a phone each one folded behind its button: unfolded, the layer list
     would cover half the map. This file is loaded before the map script for that. */
  const layerControls = [];
  L.Control.Layers.addInitHook(function () {
    layerControls.push(this);
    if (window.matchMedia("(max-width: 760px)").matches) this.options.collapsed = true;
  });


  window.govgridPages = { init, savePng, HeatLayer, passClicksThrough };
})();
