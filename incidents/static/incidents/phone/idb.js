/* Records kept in the phone's IndexedDB: a database opened once with its stores, and each store's
 * records of the logged-in user (a shared phone keeps each user's apart), oldest first. The phone
 * page's outbox (outbox.js) and the member's page (volunteers' member/) keep theirs with it. */

import { config } from "./config.js";

// Opens `name` at `version`, creating the stores {storeName: keyPath} it lacks.
export function openDatabase(name, version, stores) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name, version);
    open.onupgradeneeded = () => {
      const names = open.result.objectStoreNames;
      for (const [storeName, keyPath] of Object.entries(stores)) {
        if (!names.contains(storeName)) open.result.createObjectStore(storeName, { keyPath });
      }
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

// Resolves with the request's result once its transaction is complete (written for good).
function run(opening, storeName, mode, work) {
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

// One store's records of this user, with `created` ordering them.
export function keptIn(opening, storeName, key) {
  return {
    all: () =>
      run(opening, storeName, "readonly", (store) => store.getAll()).then((records) =>
        records.filter((r) => r.user === config.user).sort((a, b) => a.created - b.created),
      ),
    put: (record) => run(opening, storeName, "readwrite", (store) => store.put(record)),
    remove: (id) => run(opening, storeName, "readwrite", (store) => store.delete(id)),
    key,
  };
}

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
