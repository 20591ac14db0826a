/* The resident page (/r/<token>/): a report kept on the phone before anything goes to the network.
 * The phone makes the report's client_id when the resident presses send and keeps the report, its
 * photos (as Blobs) and its place in IndexedDB; it is sent until the server acknowledges it, and a
 * retry with the same client_id is answered with the same report, so a bad network never makes two.
 * The answer's private link is kept in the phone's list of reports ("Your reports on this phone").
 * Places are WGS84 throughout (the phone's position and Leaflet's), sent with crs "wgs84". */

const config = JSON.parse(document.getElementById("resident-config").textContent);
const $ = (id) => document.getElementById(id);
const t = (key, params = {}) => config.labels[key].replace(/%\((\w+)\)s/g, (_m, name) => params[name] ?? "");
const RETRY_MS = 8000;
const MINE = "govgrid-resident-mine";

// --- the outbox: IndexedDB, one record per report by its client_id --------------------------------
const opening = new Promise((resolve, reject) => {
  const open = indexedDB.open("govgrid-resident", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("reports", { keyPath: "client_id" });
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});

function store(mode, work) {
  return opening.then(
    (db) =>
      new Promise((resolve, reject) => {
        const transaction = db.transaction("reports", mode);
        const request = work(transaction.objectStore("reports"));
        transaction.oncomplete = () => resolve(request.result);
        transaction.onerror = transaction.onabort = () => reject(transaction.error);
      }),
  );
}
const waiting = () => store("readonly", (s) => s.getAll());
const keep = (record) => store("readwrite", (s) => s.put(record));
const forget = (id) => store("readwrite", (s) => s.delete(id));

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The private link's secret: made here with the client_id and sent with it; the server keeps only
// its digest, so the link is the resident's alone (residents/links.py).
function newSecret() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// --- the map: the place of the code, the phone's position, or a tap -------------------------------
const map = L.map("resident-map", { zoomControl: true, attributionControl: false });
for (const tile of config.tiles) L.tileLayer(tile.url, tile.options).addTo(map);
const outline = L.geoJSON(config.outline, { style: { color: "#1f3a5f", weight: 2, fillOpacity: 0.08 } }).addTo(map);
map.fitBounds(outline.getBounds(), { maxZoom: 17 });
let place = null; // {lon, lat, by}
let pin = null;

function setPlace(lat, lon, by, words) {
  place = { lat, lon, by };
  if (!pin) pin = L.circleMarker([lat, lon], { radius: 9, color: "#c0392b", weight: 3, fillOpacity: 0.6 }).addTo(map);
  else pin.setLatLng([lat, lon]);
  $("where").textContent = words;
  $("where").dataset.source = by;
}

if (config.codePoint) setPlace(config.codePoint[1], config.codePoint[0], "code", t("atCode"));
else $("where").textContent = t("noPlace");
map.on("click", (e) => setPlace(e.latlng.lat, e.latlng.lng, "map", t("tapped")));

function locate() {
  if (!navigator.geolocation) return;
  $("where").textContent = t("locating");
  navigator.geolocation.getCurrentPosition(
    (fix) => {
      const { latitude, longitude, accuracy } = fix.coords;
      setPlace(latitude, longitude, "gps", t("located", { m: Math.round(accuracy) }));
      map.setView([latitude, longitude], Math.max(map.getZoom(), 16));
    },
    () => {
      if (!place) $("where").textContent = t("noPlace");
    },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 },
  );
}
$("locate").addEventListener("click", locate);
locate();

// --- photos ---------------------------------------------------------------------------------------
let photos = [];
$("photo-input").addEventListener("change", (event) => {
  for (const file of event.target.files) {
    if (file.size > config.photoMaxBytes) return showError(t("tooLarge", { name: file.name }));
    if (photos.length >= config.photoMaxCount) return showError(t("tooMany", { n: config.photoMaxCount }));
    photos.push(file);
  }
  event.target.value = "";
  $("thumbs").replaceChildren(
    ...photos.map((file) => {
      const item = document.createElement("li");
      const img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      item.append(img);
      return item;
    }),
  );
});

function showError(message) {
  $("form-error").textContent = message;
  $("form-error").hidden = !message;
}

// --- sending ---------------------------------------------------------------------------------------
$("resident-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const topic = $("topic").value;
  const description = $("description").value.trim();
  if (!topic) return showError(t("noTopic"));
  if (!description) return showError(t("noDescription"));
  if (!place) return showError(t("noPlace"));
  showError("");
  const record = {
    client_id: newClientId(),
    secret: newSecret(),
    created: Date.now(),
    fields: {
      place: config.place,
      topic,
      kind: document.querySelector("input[name=kind]:checked").value,
      description,
      located_by: place.by,
      ...(place.by === "code" ? {} : { lon: place.lon, lat: place.lat, crs: "wgs84" }),
      contact_name: $("contact-name").value.trim(),
      contact_phone: $("contact-phone").value.trim(),
    },
    photos: photos.map((file) => ({ name: file.name, blob: file })),
    state: "queued",
  };
  $("resident-form").reset();
  photos = [];
  $("thumbs").replaceChildren();
  try {
    await keep(record);
  } catch {
    // No storage on this phone (some in-app browsers, private modes): send it now, kept in memory.
    unkept.push(record);
  }
  await drawMine();
  sendAll();
});

const unkept = []; // reports this page could not keep on the phone: sent from memory while it is open
let waitUntil = 0; // when the server said to try again (Retry-After)

let sending = false;
async function allWaiting() {
  try {
    return [...(await waiting()), ...unkept];
  } catch {
    return [...unkept];
  }
}

async function sendAll() {
  if (sending) return;
  if (Date.now() < waitUntil) return setTimeout(sendAll, waitUntil - Date.now());
  sending = true;
  try {
    for (const record of await allWaiting()) {
      if (record.state === "refused") continue;
      const outcome = await send(record);
      if (outcome === "stop") break;
    }
  } finally {
    sending = false;
    await drawMine();
  }
  if ((await allWaiting()).some((r) => r.state !== "refused")) setTimeout(sendAll, Math.max(RETRY_MS, waitUntil - Date.now()));
}

async function send(record) {
  const body = new FormData();
  body.append("client_id", record.client_id);
  body.append("secret", record.secret);
  for (const [key, value] of Object.entries(record.fields)) body.append(key, value);
  for (const photo of record.photos) body.append("photos", photo.blob, photo.name);
  let response;
  try {
    response = await fetch(config.report, { method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch {
    record.note = t("saved");
    await store_(record);
    return "stop";
  }
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    answer = {};
  }
  if (response.status === 200 || response.status === 201) {
    remember({ code: answer.tracking_code, link: answer.link, at: Date.now(), topic: $("topic").querySelector(`option[value="${record.fields.topic}"]`)?.textContent || "" });
    await forget(record.client_id).catch(() => {});
    const inMemory = unkept.indexOf(record);
    if (inMemory >= 0) unkept.splice(inMemory, 1);
    return "done";
  }
  const reason = answer.detail || t("httpError", { status: response.status });
  if (response.status >= 400 && response.status < 500 && ![408, 429].includes(response.status)) {
    record.state = "refused";
    record.note = t("refused", { reason });
  } else record.note = t("retry", { reason });
  if (response.status === 429) waitUntil = Date.now() + 1000 * (Number(response.headers.get("Retry-After")) || 60);
  await store_(record);
  return response.status === 429 || response.status >= 500 ? "stop" : "next";
}

// --- the phone's list: waiting reports and the links of those received ------------------------------
function mine() {
  try {
    return JSON.parse(localStorage.getItem(MINE) || "[]");
  } catch {
    return [];
  }
}
function remember(entry) {
  const list = [entry, ...mine().filter((e) => e.code !== entry.code)].slice(0, 20);
  localStorage.setItem(MINE, JSON.stringify(list));
}

// Keep a record's new state where it is kept: on the phone, or in memory when the phone cannot.
const store_ = (record) => (unkept.includes(record) ? Promise.resolve() : keep(record));

async function drawMine() {
  const items = [];
  for (const record of await allWaiting()) {
    const li = document.createElement("li");
    li.dataset.clientId = record.client_id;
    li.dataset.state = record.state;
    li.textContent = `${record.fields.description.slice(0, 40)} — ${record.note || t("saved")}`;
    items.push(li);
  }
  for (const entry of mine()) {
    const li = document.createElement("li");
    li.dataset.code = entry.code;
    li.dataset.state = "sent";
    li.append(`${t("sent", { code: entry.code })} `);
    const link = document.createElement("a");
    link.href = entry.link;
    link.textContent = t("follow");
    li.append(link);
    items.push(li);
  }
  $("mine").replaceChildren(...items);
  $("mine-title").hidden = items.length === 0;
}

window.addEventListener("online", sendAll);
// Kept for the next time there is no network at all (the page and its files: sw.js).
if ("serviceWorker" in navigator) navigator.serviceWorker.register(config.serviceWorker, { scope: "/r/" }).catch(() => {});
drawMine().then(sendAll);
