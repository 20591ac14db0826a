/* The map at the top of the page: the base tiles when one is configured (WGS84 only: no
 * coordinate conversion anywhere on this page), and the worker's own grids, outlined, so the worker
 * sees whether the problem is in one of them. The grids are kept on the phone for the next time
 * there is no network. */

import { config } from "./config.js";
import { $ } from "./dom.js";
import { storageKey } from "./kept.js";
import { request } from "./server.js";

const GRIDS_TIMEOUT_MS = 30000;
const NAME_GRIDS_UP_TO = 5; // more names than this would cover the map

// Made when this module is first imported: the map, the pin (location.js) and the grids share it.
export const map = L.map("phone-map", { attributionControl: config.tiles.length > 0, zoomSnap: 0.25 });
if (map.attributionControl) map.attributionControl.setPrefix(false); // only the provider's own words
map.setView(config.defaultCenter, 12);
for (const tile of config.tiles) L.tileLayer(tile.url, tile.options).addTo(map);
// Grid names go under the pin, not over it (tooltips are above markers by default).
map.createPane("gridLabels").style.zIndex = 550;
const gridLayer = L.geoJSON(null, {
  style: { color: "#1f3a5f", weight: 2, fillColor: "#9ecae1", fillOpacity: 0.25, className: "my-grid" },
  interactive: false,
}).addTo(map);

let grids = null; // GeoJSON features, once loaded

export const gridsLoaded = () => grids !== null;

// The grids' bounds, or null before they are loaded or when the worker has none.
export const gridBounds = () => (grids && grids.length ? gridLayer.getBounds() : null);

// Reads the worker's grids (every page of them), or the copy kept from last time; draws them,
// then calls whenDrawn (the pin and the line under the map take them into account).
export async function loadGrids(whenDrawn) {
  const features = (await readGrids()) || JSON.parse(localStorage.getItem(storageKey("grids")) || "null");
  if (!features) return;
  grids = features;
  gridLayer.addData({ type: "FeatureCollection", features });
  if (features.length <= NAME_GRIDS_UP_TO) nameGrids();
  whenDrawn();
  $("phone").dataset.grids = features.length;
}

async function readGrids() {
  if (!navigator.onLine) return null;
  try {
    const features = [];
    for (let url = config.urls.grids; url; ) {
      const response = await request(url, {}, GRIDS_TIMEOUT_MS);
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      features.push(...page.features);
      url = page.next;
    }
    localStorage.setItem(storageKey("grids"), JSON.stringify(features));
    return features;
  } catch {
    return null;
  }
}

function nameGrids() {
  gridLayer.eachLayer((layer) =>
    layer.bindTooltip(layer.feature.properties.name, {
      permanent: true,
      direction: "center",
      className: "grid-label",
      pane: "gridLabels",
    }),
  );
}

// The worker's grid that holds the point, or null. Computed on the phone (the server decides
// again on receipt), so the worker is warned before sending, even with no network.
export function gridAt(lat, lon) {
  for (const feature of grids || []) {
    const geometry = feature.geometry;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    for (const rings of polygons) {
      if (inRing(lon, lat, rings[0]) && !rings.slice(1).some((hole) => inRing(lon, lat, hole))) return feature;
    }
  }
  return null;
}

// Ray casting: a point is inside when a ray from it crosses the ring's edges an odd number of times.
function inRing(x, y, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
