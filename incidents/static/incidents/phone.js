/* govgrid phone page (/m/): its service worker. It keeps the page and its files, so a grid worker
 * can open the page, see the outbox and keep reporting where there is no network at all. The page
 * itself is the modules under phone/ (phone/main.js is their entry).
 *
 * It is loaded by /m/sw.js (incidents.views.service_worker) or the member page's /v/sw.js, which
 * first set self.PHONE_OFFLINE: {cache, prefix, page, files}, the files (the page's modules among them) named with their content hash, so
 * a kept copy is always the right one and a changed file comes as a new name with a new worker.
 */
(function () {
  "use strict";

  if (typeof window !== "undefined") return; // a page that loads this file by mistake: nothing to do

  const offline = self.PHONE_OFFLINE;
  // Each page's worker clears only its own page's old caches (the phone page's, the member page's).
  const PREFIX = offline.prefix;
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
})();
