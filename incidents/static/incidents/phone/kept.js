/* What the page keeps in the phone's localStorage, per worker (two workers may share a phone):
 * the grids and categories last read, the cases last seen. The outbox itself is in IndexedDB
 * (outbox.js), which can hold photos. */

import { config } from "./config.js";

export const storageKey = (what) => `govgrid-phone:${what}:${config.user}`;

export function readKept(what) {
  try {
    return JSON.parse(localStorage.getItem(storageKey(what))) || {};
  } catch (error) {
    return {};
  }
}

export function writeKept(what, value) {
  try {
    localStorage.setItem(storageKey(what), JSON.stringify(value));
  } catch (error) {
    // A full or forbidden storage only costs the offline copy and the change marks.
  }
}

export function forgetKept(what) {
  try {
    localStorage.removeItem(storageKey(what));
  } catch (error) {
    // nothing kept, nothing to forget
  }
}
