/* Where the problem is: the pin on the map. It follows the phone's position (with its accuracy
 * drawn as a circle) until the worker drags it or, with no position from the phone, taps the map;
 * "My location" makes it follow the phone again. The line under the map says how the pin was
 * placed and whether it is in one of the worker's grids. Positions are WGS84 throughout (the
 * phone's, Leaflet's and the report's crs "wgs84"): nothing is converted. */

import { $ } from "./dom.js";
import { gridAt, gridBounds, gridsLoaded, map } from "./map.js";
import { t } from "./words.js";

const pinIcon = L.divIcon({ className: "phone-pin", html: "<span></span>", iconSize: [28, 30], iconAnchor: [14, 29] });
const WATCH_OPTIONS = { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 };
const CLOSE_ZOOM = 16;

let pin = null;
let accuracyCircle = null;
let position = null; // {lat, lon, accuracy, byHand}: where the pin is
let lastFix = null; // the phone's last position, even while the pin is placed by hand

// The phone's own last position (WGS84), whatever the pin shows, or null: where a photo is taken.
export const phonePosition = () => (lastFix ? { lon: lastFix.lon, lat: lastFix.lat } : null);
let following = true; // the pin follows the phone's position until the worker moves it
let watch = null;

// The pin's place as the report gives it, or null before there is one.
export function reportedPosition() {
  if (!position) return null;
  return {
    lon: position.lon,
    lat: position.lat,
    crs: "wgs84",
    // A pin moved by hand is where the worker says; the phone's accuracy no longer describes it.
    accuracy_m: position.byHand || position.accuracy == null ? null : Math.round(position.accuracy * 10) / 10,
  };
}

function setLocation(lat, lon, accuracy, byHand) {
  position = { lat, lon, accuracy, byHand };
  following = !byHand;
  if (!pin) {
    pin = L.marker([lat, lon], { icon: pinIcon, draggable: true, autoPan: true, title: t("dragPin") }).addTo(map);
    pin.on("dragend", () => {
      const moved = pin.getLatLng();
      setLocation(moved.lat, moved.lng, null, true);
    });
  } else {
    pin.setLatLng([lat, lon]);
  }
  drawAccuracy(lat, lon, byHand ? null : accuracy);
  describeLocation();
}

function drawAccuracy(lat, lon, accuracy) {
  if (accuracyCircle) accuracyCircle.remove();
  accuracyCircle = null;
  if (!accuracy) return;
  accuracyCircle = L.circle([lat, lon], {
    radius: accuracy,
    weight: 1,
    color: "#c0392b",
    fillOpacity: 0.08,
    interactive: false,
    className: "accuracy",
  }).addTo(map);
}

// A report put back in the form (a refused one, to correct) is where it was reported.
export function placePinAt(lat, lon) {
  setLocation(lat, lon, null, true);
  map.setView([lat, lon], Math.max(map.getZoom(), CLOSE_ZOOM));
}

// The line under the map; `problem` replaces it while there is no pin yet.
export function describeLocation(problem) {
  const where = $("where");
  let text;
  let warning = false;
  if (!position) {
    text = problem || t("locating");
  } else {
    text = position.byHand ? t("placedByHand") : t("located", { metres: Math.round(position.accuracy || 0) });
    if (gridsLoaded()) {
      const grid = gridAt(position.lat, position.lon);
      text += " " + (grid ? t("inGrid", { name: grid.properties.name }) : t("outsideGrids"));
      warning = !grid;
    }
  }
  where.textContent = text;
  where.classList.toggle("warning", warning);
  where.dataset.source = position ? (position.byHand ? "hand" : "gps") : "none";
}

// Show the grids and the pin together.
export function frame() {
  let bounds = gridBounds();
  if (pin) bounds = bounds ? bounds.extend(pin.getLatLng()) : L.latLngBounds([pin.getLatLng()]);
  if (bounds) map.fitBounds(bounds, { padding: [28, 28], maxZoom: 17 });
}

export function startLocating() {
  following = true;
  if (lastFix) {
    setLocation(lastFix.lat, lastFix.lon, lastFix.accuracy, false);
    map.setView([lastFix.lat, lastFix.lon], Math.max(map.getZoom(), CLOSE_ZOOM));
  }
  if (!("geolocation" in navigator)) {
    describeLocation(t("noLocation", { reason: t("noGeolocation") }));
    return;
  }
  if (watch !== null) return;
  watch = navigator.geolocation.watchPosition(followPhone, cannotLocate, WATCH_OPTIONS);
}

function cannotLocate(error) {
  if (!position) describeLocation(t("noLocation", { reason: error.message }));
}

function followPhone(fix) {
  const first = !lastFix;
  lastFix = { lat: fix.coords.latitude, lon: fix.coords.longitude, accuracy: fix.coords.accuracy };
  if (!following) return;
  setLocation(lastFix.lat, lastFix.lon, lastFix.accuracy, false);
  if (first) frame();
}

// After a report is sent the next one starts from the phone's position, not the last pin placed.
export function followPhoneAgain() {
  if (!following && lastFix) startLocating();
}

export function wireLocation() {
  // With no position from the phone, a tap on the map places the pin (then it can be dragged).
  map.on("click", (event) => {
    if (!pin) setLocation(event.latlng.lat, event.latlng.lng, null, true);
  });
  $("locate").addEventListener("click", startLocating);
}
