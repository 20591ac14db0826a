/* The outbox: every report the worker sends, kept in the phone's IndexedDB (photos as Blobs) before
 * anything goes to the network, one record per report keyed by its client_id. The client_id is made
 * once, when the worker presses send, and every retry carries it: the server answers a repeat with
 * the same case, so a report sent twice never makes two cases (outbox-sending.js sends them). */

import { keptIn, openDatabase } from "./idb.js";

export { newClientId } from "./idb.js";

const KEEP_SENT_DAYS = 3;

// Version 2 added the verifications on site kept until sent (verify.js), beside the reports.
const opening = openDatabase("govgrid-phone", 2, { reports: "client_id", verifications: "code" });

export const outbox = keptIn(opening, "reports", "client_id");
// Verifications on site waiting for the network: the after photo (a Blob), where it was taken, the
// action and its reason, keyed by the case's code (verify.js sends them).
export const verifications = keptIn(opening, "verifications", "code");

// client_ids on their way right now (not stored: a reload ends them).
export const inFlight = new Set();

export const pendingPhotos = (record) => record.photos.filter((p) => p.state === "pending").length;

// A sent report stays listed a few days, so the worker sees it arrived and can open its case.
export async function forgetOldSentReports() {
  const cutoff = Date.now() - KEEP_SENT_DAYS * 86400000;
  for (const record of await outbox.all()) {
    if (record.state === "sent" && !pendingPhotos(record) && record.sentAt < cutoff) await outbox.remove(record.client_id);
  }
}

// The outbox's list on the page (outbox-list.js) is drawn again whenever a record changes or
// starts sending; the senders and the form call outboxChanged() without knowing who draws it.
let draw = () => Promise.resolve();

export function onOutboxChange(drawOutbox) {
  draw = drawOutbox;
}

export function outboxChanged() {
  return draw();
}
