/* Logging out forgets what the phone kept of the user's work (their cases, those to verify, the
 * member page's requests) and the kept pages (the service workers' caches), so the next person with
 * the phone sees none of it. Not what holds no personal data (the categories, the grids), nor the
 * outboxes: unsent reports, verifications and members' actions wait for the user's next login. */

import { forgetKept } from "./kept.js";

// What kept.js holds of people: the grid worker's page's lists, and the member page's (serve.js).
const PERSONAL = ["cases", "seen", "verify", "offered", "tasks"];

const CACHE_PREFIX = "govgrid-"; // the service workers' caches (phone.js): the phone page's and the member page's

async function forgetBeforeLeaving(event) {
  const form = event.currentTarget;
  for (const what of PERSONAL) forgetKept(what);
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
