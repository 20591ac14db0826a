/* govgrid phone page (/m/): a grid worker reports what they find on the spot, even with no network.
 *
 * Every report is stored in the phone's IndexedDB (photos as Blobs) before anything is sent, with
 * the client_id it got when the worker pressed send. It is sent with that same client_id until the
 * server acknowledges it (201: a new case; 200: the same case again), so retries never make a second
 * case; then its photos go one at a time, each retried until acknowledged (the server keeps one copy
 * of each picture). Sending is tried on page load, when the phone comes back online, and every few
 * seconds. A refusal (a 4xx other than 408 and 429) is shown with the server's reason and kept as
 * failed, not retried forever; the worker can edit it and send it as a new report, or discard it.
 *
 * The same file is the page's service worker (served from /m/sw.js, which loads it with
 * importScripts): there it keeps the page and its files, so the page opens with no network at all.
 */
(function () {
  "use strict";

  if (typeof window === "undefined") {
    serviceWorker();
  } else {
    phonePage();
  }

  // --- Service worker --------------------------------------------------------------------------

  function serviceWorker() {
    const offline = self.PHONE_OFFLINE; // {cache, page, files}, written by incidents.views.service_worker
    const PREFIX = "govgrid-phone-";
    const staticFiles = offline.files.filter((url) => url !== offline.page);

    self.addEventListener("install", (event) => {
      event.waitUntil(
        caches
          .open(offline.cache)
          .then((cache) => Promise.all([cache.addAll(staticFiles), keepPage(cache)]))
          .then(() => self.skipWaiting()),
      );
    });

    self.addEventListener("activate", (event) => {
      event.waitUntil(
        caches
          .keys()
          .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== offline.cache).map((k) => caches.delete(k))))
          .then(() => self.clients.claim()),
      );
    });

    self.addEventListener("fetch", (event) => {
      const request = event.request;
      if (request.method !== "GET") return;
      const url = new URL(request.url);
      if (url.origin !== self.location.origin) return;
      if (request.mode === "navigate" && url.pathname === offline.page) {
        event.respondWith(pageFromNetworkOrCache(event));
      } else if (staticFiles.includes(url.pathname)) {
        // Hashed names never change content: the kept copy is always right.
        event.respondWith(caches.match(url.pathname).then((kept) => kept || fetch(request)));
      }
      // Everything else (the API above all) goes to the network untouched: the page decides what
      // to do when it cannot be reached.
    });

    // The page as the logged-in worker sees it; a redirect to the login page is never kept as it.
    function keepPage(cache) {
      return fetch(offline.page, { credentials: "same-origin", redirect: "manual" })
        .then((response) => (isThePage(response) ? cache.put(offline.page, response) : null))
        .catch(() => null);
    }

    function pageFromNetworkOrCache(event) {
      return fetch(event.request)
        .then((response) => {
          if (isThePage(response)) {
            const copy = response.clone();
            event.waitUntil(caches.open(offline.cache).then((cache) => cache.put(offline.page, copy)));
          }
          return response;
        })
        .catch(() => caches.match(offline.page).then((kept) => kept || Response.error()));
    }

    function isThePage(response) {
      return response.ok && response.type === "basic" && !response.redirected;
    }
  }

  // --- The page --------------------------------------------------------------------------------

  function phonePage() {
    const config = JSON.parse(document.getElementById("phone-config").textContent);
    const $ = (id) => document.getElementById(id);
    const RETRY_SECONDS = 10;
    const KEEP_SENT_DAYS = 3;
    const storageKey = (what) => `govgrid-phone:${what}:${config.user}`;

    function t(key, params) {
      return (config.labels[key] || key).replace(/%\((\w+)\)s/g, (_, name) => (params && name in params ? String(params[name]) : ""));
    }

    function el(tag, attributes, ...children) {
      const node = document.createElement(tag);
      for (const [name, value] of Object.entries(attributes || {})) {
        if (value === null || value === undefined || value === false) continue;
        if (name === "className") node.className = value;
        else node.setAttribute(name, value);
      }
      for (const child of children) if (child !== null && child !== undefined && child !== "") node.append(child);
      return node;
    }

    // Times in govgrid's one convention (2026-12-06 18:27), in the site's time zone (dates.js).
    const when = { format: (value) => window.govgridDates.dateTime(value, config.timeZone) };

    function statusText(incident) {
      return incident.status_label || config.statuses[incident.status] || incident.status;
    }

    function readStore(what) {
      try {
        return JSON.parse(localStorage.getItem(storageKey(what))) || {};
      } catch (error) {
        return {};
      }
    }

    function writeStore(what, value) {
      try {
        localStorage.setItem(storageKey(what), JSON.stringify(value));
      } catch (error) {
        // A full or forbidden storage only costs the offline copy and the change marks.
      }
    }

    // --- Talking to the server ---

    function csrfToken() {
      const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      if (match) return decodeURIComponent(match[1]);
      const field = document.querySelector("input[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    }

    async function request(url, options, timeoutMs) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const headers = { Accept: "application/json", ...(options.headers || {}) };
      if (options.method && options.method !== "GET") headers["X-CSRFToken"] = csrfToken();
      try {
        return await fetch(url, { credentials: "same-origin", ...options, headers, signal: controller.signal });
      } finally {
        clearTimeout(timer);
      }
    }

    async function readJson(response) {
      try {
        return await response.json();
      } catch {
        return {};
      }
    }

    const reasonOf = (response, body) => (body && body.detail) || t("httpError", { status: response.status });
    // Refused for good: the same request would be refused again. 401 is not one: after logging in
    // again the same report goes through.
    const isRefusal = (status) => status >= 400 && status < 500 && ![401, 408, 429].includes(status);
    const isAcknowledged = (status) => status === 200 || status === 201;

    // --- The outbox: IndexedDB, one record per report, keyed by its client_id ---

    const outbox = (() => {
      const opening = new Promise((resolve, reject) => {
        const open = indexedDB.open("govgrid-phone", 1);
        open.onupgradeneeded = () => open.result.createObjectStore("reports", { keyPath: "client_id" });
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      function run(mode, work) {
        return opening.then(
          (db) =>
            new Promise((resolve, reject) => {
              const transaction = db.transaction("reports", mode);
              const result = work(transaction.objectStore("reports"));
              transaction.oncomplete = () => resolve(result.result);
              transaction.onerror = transaction.onabort = () => reject(transaction.error);
            }),
        );
      }
      return {
        all: () =>
          run("readonly", (store) => store.getAll()).then((records) =>
            records.filter((r) => r.user === config.user).sort((a, b) => a.created - b.created),
          ),
        put: (record) => run("readwrite", (store) => store.put(record)),
        remove: (clientId) => run("readwrite", (store) => store.delete(clientId)),
      };
    })();

    function newClientId() {
      if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
      // crypto.randomUUID needs a secure context (https); getRandomValues does not.
      const bytes = new Uint8Array(16);
      if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
      else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
      bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
      bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
      const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }

    const pendingPhotos = (record) => record.photos.filter((p) => p.state === "pending").length;
    const sending = new Set(); // client_ids on their way right now (not stored: a reload ends them)

    // --- Sending ---

    let flushing = null;
    let flushAgain = false;

    function flush() {
      if (flushing) {
        flushAgain = true;
        return flushing;
      }
      flushing = withLock(sendAll)
        .catch((error) => showNetwork(t("storageError", { reason: error.message })))
        .finally(() => {
          flushing = null;
          if (flushAgain) {
            flushAgain = false;
            flush();
          }
        });
      return flushing;
    }

    // One sender across the worker's open tabs (where the browser has Web Locks): two would only
    // send the same report twice, which the server answers with the same case, but why spend data.
    function withLock(work) {
      if (navigator.locks && navigator.locks.request) {
        return navigator.locks.request("govgrid-phone-outbox", { ifAvailable: true }, (lock) => (lock ? work() : null));
      }
      return work();
    }

    async function sendAll() {
      showNetwork();
      if (!navigator.onLine) return; // not even trying: the phone knows it has no network
      for (const record of await outbox.all()) {
        if (!navigator.onLine) return;
        if (record.state === "queued" && (await sendReport(record)) === "stop") return;
        if (record.state === "sent" && pendingPhotos(record) && (await sendPhotos(record)) === "stop") return;
      }
    }

    // "ok", "next" (refused: go on with the others) or "stop" (network or server trouble: try later).
    async function sendReport(record) {
      sending.add(record.client_id);
      renderOutbox();
      let outcome;
      try {
        const response = await request(
          config.urls.incidents,
          { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(record.payload) },
          30000,
        );
        const body = await readJson(response);
        if (isAcknowledged(response.status)) {
          Object.assign(record, { state: "sent", code: body.code, note: "", sentAt: Date.now() });
          record.duplicates = (body.possible_duplicates || []).map((d) => d.code);
          outcome = "ok";
        } else if (isRefusal(response.status)) {
          Object.assign(record, { state: "failed", note: reasonOf(response, body) });
          outcome = "next";
        } else {
          record.note = response.status === 401 ? t("loginAgain") : t("retrying", { reason: reasonOf(response, body) });
          outcome = "stop";
        }
      } catch (error) {
        record.note = notSentNote(error);
        outcome = "stop";
      } finally {
        sending.delete(record.client_id);
      }
      record.attempts = (record.attempts || 0) + 1;
      await outbox.put(record);
      renderOutbox();
      if (outcome === "ok" && !$("panel-cases").hidden) loadCases();
      return outcome;
    }

    async function sendPhotos(record) {
      for (const photo of record.photos) {
        if (photo.state !== "pending") continue;
        sending.add(record.client_id);
        renderOutbox();
        let stop = false;
        try {
          const form = new FormData();
          form.append("photo", photo.blob, photo.name);
          const url = `${config.urls.incidents}${encodeURIComponent(record.code)}/photos/`;
          const response = await request(url, { method: "POST", body: form }, 120000);
          const body = await readJson(response);
          if (isAcknowledged(response.status)) {
            Object.assign(photo, { state: "sent", blob: null }); // the server has it: free the phone's storage
            record.note = "";
          } else if (isRefusal(response.status)) {
            Object.assign(photo, { state: "failed", reason: reasonOf(response, body), blob: null });
          } else {
            record.note = response.status === 401 ? t("loginAgain") : t("retrying", { reason: reasonOf(response, body) });
            stop = true;
          }
        } catch (error) {
          record.note = notSentNote(error);
          stop = true;
        } finally {
          sending.delete(record.client_id);
        }
        await outbox.put(record);
        renderOutbox();
        if (stop) return "stop";
      }
      return "ok";
    }

    function notSentNote(error) {
      if (!navigator.onLine) return t("noNetwork");
      return t("retrying", { reason: error.name === "AbortError" ? t("timedOut") : error.message });
    }

    // --- The outbox list ---

    let rendering = Promise.resolve();

    function renderOutbox() {
      rendering = rendering.then(async () => {
        const records = await outbox.all();
        const list = $("outbox");
        list.replaceChildren(...records.reverse().map(outboxItem));
        if (!records.length) list.append(el("li", { className: "note" }, t("outboxEmpty")));
        const waiting = records.filter((r) => r.state !== "sent" || pendingPhotos(r)).length;
        $("outbox-count").textContent = waiting;
        $("outbox-count").hidden = !waiting;
      });
      return rendering.catch((error) => showNetwork(t("storageError", { reason: error.message })));
    }

    function outboxItem(record) {
      const state = sending.has(record.client_id) ? "sending" : record.state;
      const photosSent = record.photos.filter((p) => p.state === "sent").length;
      const item = el(
        "li",
        {
          "data-client-id": record.client_id,
          "data-state": state,
          "data-photos-pending": pendingPhotos(record),
          "data-code": record.code || null,
        },
        el(
          "div",
          { className: "line" },
          el("span", { className: "what" }, record.categoryName),
          el("span", { className: "when" }, when.format(record.created)),
        ),
        el("p", { className: "text" }, record.payload.description),
        el(
          "div",
          { className: "line" },
          el("span", { className: `state state-${state}` }, t(state)),
          record.code ? caseLink(record.code) : null,
        ),
      );
      const line = (className, text) => item.append(el("p", { className }, text));
      if (record.photos.length) line("progress", t("photos", { sent: photosSent, total: record.photos.length }));
      for (const photo of record.photos.filter((p) => p.state === "failed")) {
        line("reason", t("photoFailed", { reason: photo.reason }));
      }
      if (record.note) line("reason", record.note);
      if (record.note === t("loginAgain")) item.append(el("a", { href: config.loginUrl }, t("logIn")));
      if (record.duplicates && record.duplicates.length) {
        // Each possible duplicate opens as a case, to be compared with this report.
        const links = el("p", { className: "progress duplicates" }, t("duplicates", { codes: "" }));
        record.duplicates.forEach((code, index) => {
          if (index) links.append("、");
          links.append(caseLink(code));
        });
        item.append(links);
      }
      if (state === "failed") {
        item.append(
          el(
            "div",
            { className: "actions" },
            button(t("retry"), () => retry(record)),
            button(t("edit"), () => editAgain(record)),
            button(t("discard"), (event) => discard(record, event.currentTarget)),
          ),
        );
      }
      return item;
    }

    function button(text, onClick) {
      const node = el("button", { type: "button", className: "secondary" }, text);
      node.addEventListener("click", onClick);
      return node;
    }

    async function retry(record) {
      Object.assign(record, { state: "queued", note: "" });
      await outbox.put(record);
      await renderOutbox();
      flush();
    }

    // Discarding cannot be undone: the first tap asks, in the button itself, and only a second tap
    // within a few seconds discards (window.confirm may be blocked, as inside WeChat).
    async function discard(record, node) {
      if (node.dataset.armed !== "true") {
        node.dataset.armed = "true";
        node.classList.add("danger");
        node.textContent = t("confirmDiscard");
        setTimeout(() => {
          node.dataset.armed = "false";
          node.classList.remove("danger");
          node.textContent = t("discard");
        }, 5000);
        return;
      }
      await outbox.remove(record.client_id);
      renderOutbox();
    }

    // A refused report made no case: put it back in the form, to be corrected and sent anew.
    async function editAgain(record) {
      await outbox.remove(record.client_id);
      chooseCategory(record.payload.category);
      $("description").value = record.payload.description;
      photos.forEach((p) => URL.revokeObjectURL(p.url));
      photos = record.photos.filter((p) => p.blob).map((p) => ({ blob: p.blob, name: p.name, url: URL.createObjectURL(p.blob) }));
      renderThumbs();
      setLocation(record.payload.lat, record.payload.lon, null, true);
      map.setView([record.payload.lat, record.payload.lon], Math.max(map.getZoom(), 16));
      renderOutbox();
      selectTab("report");
    }

    function showNetwork(message) {
      $("network-state").textContent = message || (navigator.onLine ? "" : t("noNetwork"));
    }

    // --- Map: my grids and the pin ---

    const map = L.map("phone-map", { attributionControl: config.tiles.length > 0, zoomSnap: 0.25 });
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

    async function loadGrids() {
      let features = null;
      if (navigator.onLine) {
        try {
          features = [];
          for (let url = config.urls.grids; url; ) {
            const response = await request(url, {}, 30000);
            if (!response.ok) throw new Error(String(response.status));
            const page = await response.json();
            features.push(...page.features);
            url = page.next;
          }
          localStorage.setItem(storageKey("grids"), JSON.stringify(features));
        } catch {
          features = null;
        }
      }
      if (!features) features = JSON.parse(localStorage.getItem(storageKey("grids")) || "null");
      if (!features) return;
      grids = features;
      gridLayer.addData({ type: "FeatureCollection", features });
      if (features.length <= 5) {
        gridLayer.eachLayer((layer) =>
          layer.bindTooltip(layer.feature.properties.name, {
            permanent: true,
            direction: "center",
            className: "grid-label",
            pane: "gridLabels",
          }),
        );
      }
      frame();
      describeLocation();
      $("phone").dataset.grids = features.length;
    }

    // Show the grids and the pin together.
    function frame() {
      let bounds = grids && grids.length ? gridLayer.getBounds() : null;
      if (pin) bounds = bounds ? bounds.extend(pin.getLatLng()) : L.latLngBounds([pin.getLatLng()]);
      if (bounds) map.fitBounds(bounds, { padding: [28, 28], maxZoom: 17 });
    }

    function gridAt(lat, lon) {
      for (const feature of grids || []) {
        const geometry = feature.geometry;
        const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
        for (const rings of polygons) {
          if (inRing(lon, lat, rings[0]) && !rings.slice(1).some((hole) => inRing(lon, lat, hole))) return feature;
        }
      }
      return null;
    }

    function inRing(x, y, ring) {
      let inside = false;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    }

    const pinIcon = L.divIcon({ className: "phone-pin", html: "<span></span>", iconSize: [28, 30], iconAnchor: [14, 29] });
    let pin = null;
    let accuracyCircle = null;
    let location = null; // {lat, lon, accuracy, byHand}
    let lastFix = null;
    let following = true; // the pin follows the phone's position until the worker moves it
    let watch = null;

    function setLocation(lat, lon, accuracy, byHand) {
      location = { lat, lon, accuracy, byHand };
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
      if (accuracyCircle) accuracyCircle.remove();
      accuracyCircle = null;
      if (!byHand && accuracy) {
        accuracyCircle = L.circle([lat, lon], {
          radius: accuracy,
          weight: 1,
          color: "#c0392b",
          fillOpacity: 0.08,
          interactive: false,
          className: "accuracy",
        }).addTo(map);
      }
      describeLocation();
    }

    function describeLocation(problem) {
      const where = $("where");
      let text;
      let warning = false;
      if (!location) {
        text = problem || t("locating");
      } else {
        text = location.byHand ? t("placedByHand") : t("located", { metres: Math.round(location.accuracy || 0) });
        if (grids) {
          const grid = gridAt(location.lat, location.lon);
          text += " " + (grid ? t("inGrid", { name: grid.properties.name }) : t("outsideGrids"));
          warning = !grid;
        }
      }
      where.textContent = text;
      where.classList.toggle("warning", warning);
      where.dataset.source = location ? (location.byHand ? "hand" : "gps") : "none";
    }

    function startLocating() {
      following = true;
      if (lastFix) {
        setLocation(lastFix.lat, lastFix.lon, lastFix.accuracy, false);
        map.setView([lastFix.lat, lastFix.lon], Math.max(map.getZoom(), 16));
      }
      if (!("geolocation" in navigator)) {
        describeLocation(t("noLocation", { reason: t("noGeolocation") }));
        return;
      }
      if (watch !== null) return;
      watch = navigator.geolocation.watchPosition(
        (position) => {
          const first = !lastFix;
          lastFix = { lat: position.coords.latitude, lon: position.coords.longitude, accuracy: position.coords.accuracy };
          if (!following) return;
          setLocation(lastFix.lat, lastFix.lon, lastFix.accuracy, false);
          if (first) frame();
        },
        (error) => {
          if (!location) describeLocation(t("noLocation", { reason: error.message }));
        },
        { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 },
      );
    }

    // With no position from the phone, a tap on the map places the pin (then it can be dragged).
    map.on("click", (event) => {
      if (!pin) setLocation(event.latlng.lat, event.latlng.lng, null, true);
    });
    $("locate").addEventListener("click", startLocating);

    // --- Categories ---

    let categories = [];

    async function loadCategories() {
      let tree = null;
      if (navigator.onLine) {
        try {
          const response = await request(config.urls.categories, {}, 20000);
          if (response.ok) {
            tree = await response.json();
            localStorage.setItem(storageKey("categories"), JSON.stringify(tree));
          }
        } catch {
          tree = null;
        }
      }
      categories = tree || JSON.parse(localStorage.getItem(storageKey("categories")) || "[]");
      const classes = $("category-class");
      classes.replaceChildren(el("option", { value: "" }, t(categories.length ? "chooseClass" : "noCategories")));
      for (const c of categories) classes.append(el("option", { value: c.code }, c.name));
      fillItems();
      $("phone").dataset.categories = categories.length;
    }

    function fillItems() {
      const chosen = categories.find((c) => c.code === $("category-class").value);
      const items = $("category");
      items.replaceChildren(el("option", { value: "" }, t("chooseItem")));
      for (const item of chosen ? chosen.items : []) items.append(el("option", { value: item.code }, item.name));
      items.disabled = !chosen;
    }

    function chooseCategory(code) {
      const owner = categories.find((c) => c.items.some((i) => i.code === code));
      $("category-class").value = owner ? owner.code : "";
      fillItems();
      $("category").value = owner ? code : "";
    }

    $("category-class").addEventListener("change", fillItems);

    // --- Photos ---

    const SHRINK_ABOVE_BYTES = 1500000;
    const LONGEST_SIDE_PX = 2048;
    const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
    let photos = []; // {blob, name, url}

    // A phone camera's picture is several megabytes; on a weak network a 2048-pixel JPEG tells the
    // same story. Pictures in a type the server does not take (HEIC) are converted the same way.
    async function shrink(file) {
      const usable = PHOTO_TYPES.includes(file.type);
      if (usable && file.size <= SHRINK_ABOVE_BYTES) return file;
      try {
        const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
        const scale = Math.min(1, LONGEST_SIDE_PX / Math.max(bitmap.width, bitmap.height));
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
        if (blob && (!usable || blob.size < file.size)) {
          return new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" });
        }
      } catch {
        // the browser cannot read it: send it as it is, and let the server say why it refuses it
      }
      return file;
    }

    $("photo-input").addEventListener("change", async (event) => {
      const input = event.target;
      showFormError("");
      for (const file of Array.from(input.files)) {
        const blob = await shrink(file);
        if (blob.size > config.photoMaxBytes) {
          showFormError(t("photoTooLarge", { name: file.name }));
          continue;
        }
        photos.push({ blob, name: blob.name || file.name || "photo.jpg", url: URL.createObjectURL(blob) });
      }
      input.value = "";
      renderThumbs();
    });

    function renderThumbs() {
      $("thumbs").replaceChildren(
        ...photos.map((photo, index) => {
          const remove = el("button", { type: "button", "aria-label": t("removePhoto"), title: t("removePhoto") }, "×");
          remove.addEventListener("click", () => {
            URL.revokeObjectURL(photo.url);
            photos.splice(index, 1);
            renderThumbs();
          });
          return el("li", {}, el("img", { src: photo.url, alt: photo.name }), remove);
        }),
      );
    }

    // --- The report form ---

    function showFormError(message) {
      $("form-error").textContent = message;
      $("form-error").hidden = !message;
    }

    $("report-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const description = $("description").value.trim();
      const category = $("category").value;
      const problem = !location ? "needLocation" : !category ? "needCategory" : !description ? "needDescription" : null;
      if (problem) {
        showFormError(t(problem));
        return;
      }
      showFormError("");
      const clientId = newClientId();
      const record = {
        client_id: clientId,
        user: config.user,
        created: Date.now(),
        state: "queued",
        note: "",
        code: "",
        duplicates: [],
        categoryName: $("category").selectedOptions[0].textContent,
        // Stored as sent, so that every retry carries exactly the same report.
        payload: {
          client_id: clientId,
          category,
          description,
          lon: location.lon,
          lat: location.lat,
          crs: "wgs84",
          // A pin moved by hand is where the worker says; the phone's accuracy no longer describes it.
          accuracy_m: location.byHand || location.accuracy == null ? null : Math.round(location.accuracy * 10) / 10,
          reported_at: new Date().toISOString(),
        },
        photos: photos.map((p) => ({ name: p.name, blob: p.blob, state: "pending", reason: "" })),
      };
      $("send").disabled = true;
      try {
        await outbox.put(record); // kept first: from here on, nothing the network does can lose it
      } catch (error) {
        showFormError(t("storageError", { reason: error.message }));
        return;
      } finally {
        $("send").disabled = false;
      }
      resetForm();
      selectTab("outbox");
      await renderOutbox();
      flush();
    });

    function resetForm() {
      $("description").value = "";
      photos.forEach((p) => URL.revokeObjectURL(p.url));
      photos = [];
      renderThumbs();
      if (!following && lastFix) startLocating();
    }

    // --- My cases ---

    let casesNext = null;
    // What the worker last saw of each case (status, level, version), to mark the ones that changed
    // since; and the last copy of each case read, to open it with no network.
    let seen = readStore("seen");
    let kept = readStore("cases");

    async function loadCases(more) {
      const note = $("cases-note");
      if (!navigator.onLine) {
        note.textContent = t("casesOffline");
        if (!more && !$("cases").children.length) showKeptCases();
        return;
      }
      try {
        const response = await request(more ? casesNext : config.urls.mine, {}, 30000);
        const body = await readJson(response);
        if (!response.ok) {
          note.textContent = t("casesError", { reason: reasonOf(response, body) });
          return;
        }
        body.results.forEach(keepCase);
        writeStore("cases", kept);
        const items = body.results.map(caseItem);
        if (more) $("cases").append(...items);
        else $("cases").replaceChildren(...items);
        casesNext = body.next;
        $("cases-more").hidden = !casesNext;
        note.textContent = !more && !items.length ? t("casesEmpty") : "";
        countChanged();
      } catch (error) {
        note.textContent = navigator.onLine ? t("casesError", { reason: error.message }) : t("casesOffline");
      }
    }

    function countChanged() {
      const changed = $("cases").querySelectorAll("li[data-changed]").length;
      $("cases-count").textContent = changed;
      $("cases-count").hidden = !changed;
    }

    function showKeptCases() {
      const incidents = Object.values(kept)
        .map((copy) => copy.incident)
        .sort((a, b) => (a.received_at < b.received_at ? 1 : -1));
      $("cases").replaceChildren(...incidents.map(caseItem));
    }

    // The copy kept on the phone holds no resident's name or phone: the server sends them with
    // no-store, and a lost or shared phone must not keep them either.
    function withoutContact(incident) {
      const { contact, ...rest } = incident;
      return rest;
    }

    function keepCase(incident) {
      kept[incident.code] = { ...(kept[incident.code] || {}), incident: withoutContact(incident), at: Date.now() };
    }

    const stateOf = (incident) => `${incident.status}/${incident.level}/${incident.version}`;

    function caseItem(incident) {
      // A case seen before whose state moved on since is marked until it is opened; a case never
      // seen is simply new, and remembered as it is now.
      if (!(incident.code in seen)) {
        seen[incident.code] = stateOf(incident);
        writeStore("seen", seen);
      }
      const changed = seen[incident.code] !== stateOf(incident);
      return el(
        "li",
        { "data-code": incident.code, "data-status": incident.status, "data-changed": changed ? "true" : null },
        el(
          "div",
          { className: "line" },
          caseLink(incident.code),
          el("span", { className: "when" }, when.format(incident.reported_at)),
        ),
        el(
          "div",
          { className: "line" },
          el("span", { className: "what" }, incident.category.name),
          el(
            "span",
            {},
            changed ? el("span", { className: "changed" }, t("changed")) : null,
            el("span", { className: `state status-${incident.status}` }, statusText(incident)),
          ),
        ),
        el("p", { className: "text" }, incident.description),
      );
    }

    function caseLink(code) {
      return el("a", { className: "code", href: `#case=${encodeURIComponent(code)}` }, code);
    }

    $("cases-more").textContent = t("more");
    $("cases-more").addEventListener("click", () => loadCases(true));
    // Statuses move on while the worker is out: the list is read again now and then, and whenever
    // the phone is back online, while it is shown.
    setInterval(() => !$("panel-cases").hidden && document.visibilityState === "visible" && loadCases(), 60000);
    window.addEventListener("online", () => !$("panel-cases").hidden && loadCases());

    // --- One case: its status, facts and timeline ---

    async function openCase(code) {
      showPanel("case");
      const copy = kept[code];
      const record = (await outbox.all()).find((r) => r.code === code);
      renderCase(code, copy, record);
      if (!navigator.onLine) {
        $("case-note").textContent = copy
          ? t("caseOffline", { time: when.format(copy.at) })
          : record
            ? t("caseFromOutbox")
            : t("casesOffline");
        return;
      }
      try {
        const url = `${config.urls.incidents}${encodeURIComponent(code)}/`;
        const [answer, events] = await Promise.all([request(url, {}, 30000), request(`${url}timeline/`, {}, 30000)]);
        const [incident, timeline] = await Promise.all([readJson(answer), readJson(events)]);
        if (!answer.ok || !events.ok) {
          $("case-note").textContent = t("casesError", { reason: reasonOf(answer.ok ? events : answer, answer.ok ? timeline : incident) });
          return;
        }
        kept[code] = { incident: withoutContact(incident), timeline, at: Date.now() };
        writeStore("cases", kept);
        seen[code] = stateOf(incident);
        writeStore("seen", seen);
        renderCase(code, kept[code], record);
        const listed = $("cases").querySelector(`li[data-code="${CSS.escape(code)}"]`);
        if (listed) listed.replaceWith(caseItem(incident));
        countChanged();
      } catch (error) {
        $("case-note").textContent = navigator.onLine ? t("casesError", { reason: error.message }) : t("casesOffline");
      }
    }

    function renderCase(code, copy, record) {
      const incident = copy && copy.incident;
      $("case-code").textContent = code;
      $("case-note").textContent = "";
      const state = $("case-state");
      state.className = incident ? `state status-${incident.status}` : "state state-sent";
      state.textContent = incident ? statusText(incident) : record ? t("sent") : "";
      const facts = [];
      const fact = (label, value) => value && facts.push(el("dt", {}, t(label)), el("dd", {}, value));
      if (incident) {
        fact("category", incident.category.name);
        fact("level", config.levels[incident.level] || incident.level);
        fact("grid", incident.grid ? incident.grid.name : "");
        fact("receivedAt", when.format(incident.received_at));
        fact("dueAt", when.format(incident.due_at));
        fact("description", incident.description);
      } else if (record) {
        fact("category", record.categoryName);
        fact("reportedAt", when.format(record.created));
        fact("description", record.payload.description);
      }
      $("case-facts").replaceChildren(...facts);
      const events = (copy && copy.timeline) || [];
      $("case-timeline").replaceChildren(...events.map(timelineItem));
    }

    function timelineItem(event) {
      const labels = event.labels || {};
      const parts = [
        `${labels.action || event.action}`,
        `${labels.from_status || "—"} → ${labels.to_status || event.to_status}`,
        `${labels.from_level || "—"} → ${labels.to_level || event.to_level}`,
        event.actor || t("automatic"),
        event.reason,
        event.note,
      ].filter(Boolean);
      return el("li", { "data-action": event.action }, el("time", {}, when.format(event.at)), " ", parts.join(" · "));
    }

    function showCaseFromAddress() {
      const match = window.location.hash.match(/^#case=(.+)$/); // `location` is the pin's, above
      if (match) openCase(decodeURIComponent(match[1]));
      else if (!$("panel-case").hidden) selectTab("cases");
    }

    window.addEventListener("hashchange", showCaseFromAddress);
    $("case-back").addEventListener("click", () => {
      if (window.location.hash) history.pushState(null, "", window.location.pathname + window.location.search);
      selectTab("cases");
    });

    // --- Tabs ---

    function showPanel(name) {
      for (const tab of document.querySelectorAll(".phone-tabs [role=tab]")) {
        const selected = tab.id === `tab-${name}`;
        tab.setAttribute("aria-selected", String(selected));
        $(tab.getAttribute("aria-controls")).hidden = !selected;
      }
      $("panel-case").hidden = name !== "case";
    }

    function selectTab(name) {
      showPanel(name);
      if (name === "cases") loadCases();
    }

    for (const tab of document.querySelectorAll(".phone-tabs [role=tab]")) {
      tab.addEventListener("click", () => selectTab(tab.id.replace("tab-", "")));
    }

    // --- Logging out forgets the kept page and cases (not the outbox: unsent reports wait for the next login) ---

    for (const form of document.querySelectorAll("form.logout")) {
      form.addEventListener("submit", async (event) => {
        for (const what of ["cases", "seen"]) {
          try {
            localStorage.removeItem(storageKey(what));
          } catch (error) {
            // nothing kept, nothing to forget
          }
        }
        if (!window.caches) return;
        event.preventDefault();
        try {
          const keys = await caches.keys();
          await Promise.all(keys.filter((k) => k.startsWith("govgrid-phone-")).map((k) => caches.delete(k)));
        } finally {
          form.submit();
        }
      });
    }

    // --- Start ---

    async function forgetOldSentReports() {
      const cutoff = Date.now() - KEEP_SENT_DAYS * 86400000;
      for (const record of await outbox.all()) {
        if (record.state === "sent" && !pendingPhotos(record) && record.sentAt < cutoff) await outbox.remove(record.client_id);
      }
    }

    describeLocation();
    showNetwork();
    loadGrids();
    loadCategories();
    startLocating();
    forgetOldSentReports()
      .then(renderOutbox)
      .then(flush)
      .catch((error) => showNetwork(t("storageError", { reason: error.message })));
    window.addEventListener("online", flush);
    showCaseFromAddress();
    window.addEventListener("offline", () => showNetwork());
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && flush());
    setInterval(flush, RETRY_SECONDS * 1000);
    if ("serviceWorker" in navigator) navigator.serviceWorker.register(config.serviceWorker, { scope: config.page }).catch(() => {});
  }
})();
