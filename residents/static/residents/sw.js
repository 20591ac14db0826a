/* govgrid resident page (/r/<token>/): its service worker. It keeps the pages of the QR codes a
 * resident opened and their files, so the page opens again with no network and a report made there
 * waits on the phone (resident.js) until the network takes it. A report's private link (/r/t/...)
 * is never kept: it goes to the network only.
 *
 * It is loaded by /r/sw.js (residents.pages.service_worker), which first sets self.RESIDENT_OFFLINE:
 * {cache, files}, the files named with their content hash.
 */
(function () {
  "use strict";

  if (typeof window !== "undefined") return;

  const offline = self.RESIDENT_OFFLINE;
  const PREFIX = "govgrid-resident-";
  const isPlacePage = (path) => /^\/r\/[A-Za-z0-9_-]+\/$/.test(path) && !path.startsWith("/r/t/");

  self.addEventListener("install", (event) => {
    event.waitUntil(caches.open(offline.cache).then((cache) => cache.addAll(offline.files)).then(() => self.skipWaiting()));
  });

  self.addEventListener("activate", (event) => {
    event.waitUntil(
      caches
        .keys()
        .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== offline.cache).map((k) => caches.delete(k))))
        .then(() => self.clients.claim())
        .then(keepOpenPages),
    );
  });

  // The page that installed this worker was loaded before it: keep it now (and any other open one).
  function keepOpenPages() {
    return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) =>
      caches.open(offline.cache).then((cache) =>
        Promise.all(
          windows
            .map((w) => new URL(w.url))
            .filter((url) => url.origin === self.location.origin && isPlacePage(url.pathname))
            .map((url) => cache.add(url.pathname).catch(() => null)),
        ),
      ),
    );
  }

  self.addEventListener("fetch", (event) => {
    const request = event.request;
    if (request.method !== "GET") return;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    if (request.mode === "navigate" && isPlacePage(url.pathname)) {
      event.respondWith(
        fetch(request)
          .then((response) => {
            if (response.ok && !response.redirected) {
              const copy = response.clone();
              event.waitUntil(caches.open(offline.cache).then((cache) => cache.put(url.pathname, copy)));
            }
            return response;
          })
          .catch(() => caches.match(url.pathname).then((kept) => kept || Response.error())),
      );
    } else if (offline.files.includes(url.pathname)) {
      event.respondWith(caches.match(url.pathname).then((kept) => kept || fetch(request)));
    }
  });
})();
