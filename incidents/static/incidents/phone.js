/* govgrid phone page (/m/): its service worker. It keeps the page and its files, so a grid worker
 * can open the page, see the outbox and keep reporting where there is no network at all. The page
 * itself is the modules under phone/ (phone/main.js is their entry).
 *
 * It is loaded by /m/sw.js (incidents.views.service_worker), which first sets self.PHONE_OFFLINE:
 * {cache, page, files}, the files named with their content hash. The page adds its modules in the
 * worker's address (/m/sw.js?modules=...): they are loaded by their plain names, which keep their
 * URL when their content changes, so the worker asks the network for them first and answers from
 * what it kept only when there is none.
 */
(function () {
  "use strict";

  if (typeof window !== "undefined") return; // a page that loads this file by mistake: nothing to do

  const offline = self.PHONE_OFFLINE;
  const PREFIX = "govgrid-phone-";
  const staticFiles = offline.files.filter((url) => url !== offline.page);
  const modules = pageModules();

  self.addEventListener("install", (event) => {
    event.waitUntil(
      caches
        .open(offline.cache)
        .then((cache) => Promise.all([cache.addAll(staticFiles), keepModules(cache), keepPage(cache)]))
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
    } else if (modules.includes(url.pathname)) {
      event.respondWith(moduleFromNetworkOrCache(event, url.pathname));
    }
    // Everything else (the API above all) goes to the network untouched: the page decides what
    // to do when it cannot be reached.
  });

  // The paths the page gave in the worker's address: scripts of this origin only.
  function pageModules() {
    const named = new URLSearchParams(self.location.search).get("modules") || "";
    return named.split(" ").filter((path) => path.startsWith("/") && !path.startsWith("//") && path.endsWith(".js"));
  }

  // Asked again (not taken from the browser's cache): a module changed since is kept as it is now.
  function keepModules(cache) {
    return cache.addAll(modules.map((path) => new Request(path, { cache: "no-cache" })));
  }

  function moduleFromNetworkOrCache(event, path) {
    return fetch(event.request, { cache: "no-cache" })
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(offline.cache).then((cache) => cache.put(path, copy)));
        }
        return response;
      })
      .catch(() => caches.match(path).then((kept) => kept || Response.error()));
  }

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
