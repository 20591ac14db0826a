/* The outbox: every report the worker sends, kept in the phone's IndexedDB (photos as Blobs) before
 * anything goes to the network, one record per report keyed by its client_id. The client_id is made
 * once, when the worker presses send, and every retry carries it: the server answers a repeat with
 * the same case, so a report sent twice never makes two cases (outbox-sending.js sends them). */

import { config } from "./config.js";

const KEEP_SENT_DAYS = 3;

// Version 2 added the verifications on site kept until sent (verify.js), beside the reports.
const opening = new Promise((resolve, reject) => {
  const open = indexedDB.open("govgrid-phone", 2);
  open.onupgradeneeded = () => {
    const names = open.result.objectStoreNames;
    if (!names.contains("reports")) open.result.createObjectStore("reports", { keyPath: "client_id" });
    if (!names.contains("verifications")) open.result.createObjectStore("verifications", { keyPath: "code" });
  };
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});

// Resolves with the request's result once its transaction is complete (written for good).
function run(storeName, mode, work) {
  return opening.then(
    (db) =>
      new Promise((resolve, reject) => {
        const transaction = db.transaction(storeName, mode);
        const result = work(transaction.objectStore(storeName));
        transaction.oncomplete = () => resolve(result.result);
        transaction.onerror = transaction.onabort = () => reject(transaction.error);
      }),
  );
}

// One store's records of this worker (a shared phone keeps each worker's apart), oldest first.
function kept(storeName, key) {
  return {
    all: () =>
      run(storeName, "readonly", (store) => store.getAll()).then((records) =>
        records.filter((r) => r.user === config.user).sort((a, b) => a.created - b.created),
      ),
    put: (record) => run(storeName, "readwrite", (store) => store.put(record)),
    remove: (id) => run(storeName, "readwrite", (store) => store.delete(id)),
    key,
  };
}

export const outbox = kept("reports", "client_id");
// Verifications on site waiting for the network: the after photo (a Blob), where it was taken, the
// action and its reason, keyed by the case's code (verify.js sends them).
export const verifications = kept("verifications", "code");

// client_ids on their way right now (not stored: a reload ends them).
export const inFlight = new Set();

export const pendingPhotos = (record) => record.photos.filter((p) => p.state === "pending").length;

export function newClientId() {
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
