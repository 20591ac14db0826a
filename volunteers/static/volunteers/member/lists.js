/* A list the member's page reads from the server when shown, and keeps on the phone (kept.js) for
 * when there is no network: then the copy is shown with the time it was read. */

import { readKept, writeKept } from "../../incidents/phone/kept.js";
import { readJson, reasonOf, request } from "../../incidents/phone/server.js";
import { formatTime, t } from "../../incidents/phone/words.js";

const TIMEOUT_MS = 30000;

// The answer's body, or the copy kept last (null when none); `note` says what went wrong, if
// anything. `keep(body)` is what is kept of it (the residents' contacts are left out, say).
export async function readOrKept(what, url, note, keep = (body) => body) {
  if (navigator.onLine) {
    try {
      const response = await request(url, {}, TIMEOUT_MS);
      const body = await readJson(response);
      if (response.ok) {
        writeKept(what, { body: keep(body), at: Date.now() });
        return body;
      }
      note.textContent = t("loadError", { reason: reasonOf(response, body) });
    } catch (error) {
      note.textContent = t("loadError", { reason: error.message });
    }
  }
  const kept = readKept(what);
  if (!navigator.onLine) note.textContent = t("offline", { time: kept.at ? formatTime(new Date(kept.at).toISOString()) : "—" });
  return kept.body ?? null;
}

// Draws a list again (it is read again whenever the network comes back or an action arrives)
// without losing what the member was typing into its forms: a list read again unchanged is left
// as it is (its fields, focus and chosen photos untouched); a changed one is drawn anew and each
// field keeps its value, by the item's `key` attribute and the field's name, a photo input its
// chosen files, and the field being typed into its focus.
export function redraw(list, items, key) {
  const shown = [...list.children];
  if (shown.length === items.length && items.every((item, i) => item.isEqualNode(shown[i]))) return;
  const id = (field) => `${field.closest(`li[${key}]`).getAttribute(key)}:${field.name}`;
  const fields = (root) => [...root.querySelectorAll(`li[${key}] input, li[${key}] select, li[${key}] textarea`)];
  const typed = new Map(fields(list).filter((field) => field.type !== "checkbox").map((field) => [id(field), field]));
  const focused = list.contains(document.activeElement) && typed.has(id(document.activeElement)) ? id(document.activeElement) : null;
  list.replaceChildren(...items);
  for (const field of fields(list)) {
    const old = typed.get(id(field));
    if (!old) continue;
    if (field.type === "file") {
      if (old.files.length) field.files = old.files; // a file input's value cannot be written, its files can
    } else {
      field.value = old.value;
    }
    if (id(field) === focused) field.focus();
  }
}
