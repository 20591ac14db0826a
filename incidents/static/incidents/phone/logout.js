/* Logging out forgets what the phone kept of the worker's cases (theirs and those to verify) and the
 * kept page (the service worker's cache), so the next person with the phone sees none of it. Not
 * the outbox: unsent reports and verifications wait for the worker's next login. */

import { forgetKept } from "./kept.js";

const CACHE_PREFIX = "govgrid-phone-"; // the service worker's caches (phone.js)

async function forgetBeforeLeaving(event) {
  const form = event.currentTarget;
  for (const what of ["cases", "seen", "verify"]) forgetKept(what);
  if (!window.caches) return;
  event.preventDefault();
  try {
    const keys = await caches.keys();
    await Promise.all(keys.filter((k) => k.startsWith(CACHE_PREFIX)).map((k) => caches.delete(k)));
  } finally {
    form.submit();
  }
}

export function wireLogout() {
  for (const form of document.querySelectorAll("form.logout")) form.addEventListener("submit", forgetBeforeLeaving);
}
