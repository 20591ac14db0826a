/* The staff's form to publish an activity (/volunteers/activities/, volunteers/activity_form.py):
 * the place is picked as the resident page picks one (residents/static/residents/resident.js): the
 * community's outline on the configured base map (none by default: the app serves Leaflet), a tap
 * sets the point, shown as a pin; a service station of the community sets it too. The point goes to
 * the form's longitude and latitude (WGS84, Leaflet's own), which can also be typed; the server
 * checks it as the API does. The teams and stations offered are those of the chosen community. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("publish-map-config").textContent);
  const $ = (id) => document.getElementById(id);
  const community = $("publish-community");
  const lon = $("publish-lon");
  const lat = $("publish-lat");
  const note = $("publish-where-note");

  const map = L.map("publish-map", { zoomControl: true, attributionControl: false });
  for (const tile of config.tiles) L.tileLayer(tile.url, tile.options).addTo(map);
  let outline = null;
  let pin = null;

  function pinAt(latValue, lonValue) {
    if (!pin) pin = L.circleMarker([latValue, lonValue], { radius: 9, color: "#c0392b", weight: 3, fillOpacity: 0.6 }).addTo(map);
    else pin.setLatLng([latValue, lonValue]);
  }

  function setPoint(latValue, lonValue, words) {
    lon.value = lonValue.toFixed(7);
    lat.value = latValue.toFixed(7);
    pinAt(latValue, lonValue);
    note.textContent = words;
  }

  // Only the chosen community's teams and stations; a choice of another community is undone.
  function offerOf(select) {
    for (const option of select.options) {
      if (!option.dataset.community) continue;
      option.hidden = option.disabled = option.dataset.community !== community.value;
      if (option.disabled && option.selected) select.value = "";
    }
  }

  // The chosen community framed on the map (once the form is open: a folded map has no size).
  function frame() {
    offerOf($("publish-team"));
    offerOf($("publish-station"));
    if (!$("publish").open) return;
    if (outline) outline.remove();
    outline = L.geoJSON(config.outlines[community.value], { style: { color: "#1f3a5f", weight: 2, fillOpacity: 0.08 } }).addTo(map);
    map.invalidateSize();
    map.fitBounds(outline.getBounds(), { maxZoom: 17 });
  }

  map.on("click", (event) => setPoint(event.latlng.lat, event.latlng.lng, config.words.tapped));
  $("publish-station").addEventListener("change", (event) => {
    const station = config.stations.find((s) => String(s.id) === event.target.value);
    if (!station) return;
    setPoint(station.lat, station.lon, config.words.station.replace("%(name)s", station.name));
    if (!$("publish-place").value.trim()) $("publish-place").value = station.name;
    map.panTo([station.lat, station.lon]);
  });
  for (const input of [lon, lat]) {
    input.addEventListener("change", () => {
      const x = Number(lon.value), y = Number(lat.value);
      if (lon.value && lat.value && Number.isFinite(x) && Number.isFinite(y) && Math.abs(x) <= 180 && Math.abs(y) <= 90) {
        pinAt(y, x);
        note.textContent = config.words.typed;
      }
    });
  }
  community.addEventListener("change", frame);
  // The form starts folded: the map takes its size when it is opened.
  $("publish").addEventListener("toggle", frame);
  frame();
  if (lon.value && lat.value && Number.isFinite(Number(lon.value)) && Number.isFinite(Number(lat.value))) {
    pinAt(Number(lat.value), Number(lon.value));
  }
})();
