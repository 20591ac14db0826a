/* "My cases": the cases this worker reported, newest first, read page by page from the API. A case
 * whose status, level or version moved on since the worker last saw it is marked and counted on the
 * tab until it is opened. The last copy of each case read is kept on the phone (without the
 * resident's contact), so the list and each case still open with no network. */

import { config } from "./config.js";
import { $, caseLink, el } from "./dom.js";
import { readKept, writeKept } from "./kept.js";
import { readJson, reasonOf, request } from "./server.js";
import { isShown, whenShown } from "./tabs.js";
import { formatTime, statusText, t } from "./words.js";

const CASES_TIMEOUT_MS = 30000;
const READ_AGAIN_MS = 60000;

let casesNext = null; // the next page's URL, while there is one
// What the worker last saw of each case (status, level, version), to mark the ones that changed
// since; and the last copy of each case read, to open it with no network.
export const seen = readKept("seen");
export const kept = readKept("cases");

export async function loadCases(more) {
  const note = $("cases-note");
  if (!navigator.onLine) {
    note.textContent = t("casesOffline");
    if (!more && !$("cases").children.length) showKeptCases();
    return;
  }
  try {
    const response = await request(more ? casesNext : config.urls.mine, {}, CASES_TIMEOUT_MS);
    const body = await readJson(response);
    if (!response.ok) {
      note.textContent = t("casesError", { reason: reasonOf(response, body) });
      return;
    }
    body.results.forEach(keepCase);
    writeKept("cases", kept);
    showCases(body.results.map(caseItem), more);
    casesNext = body.next;
    $("cases-more").hidden = !casesNext;
    note.textContent = !more && !body.results.length ? t("casesEmpty") : "";
    countChanged();
  } catch (error) {
    note.textContent = navigator.onLine ? t("casesError", { reason: error.message }) : t("casesOffline");
  }
}

function showCases(items, more) {
  if (more) $("cases").append(...items);
  else $("cases").replaceChildren(...items);
}

// A report just acknowledged is a new case: the list, if shown, reads it.
export function refreshCasesIfShown() {
  if (isShown("cases")) loadCases();
}

export function countChanged() {
  const changed = $("cases").querySelectorAll("li[data-changed]").length;
  $("cases-count").textContent = changed;
  $("cases-count").hidden = !changed;
}

function showKeptCases() {
  const incidents = Object.values(kept)
    .map((copy) => copy.incident)
    .sort((a, b) => (a.received_at < b.received_at ? 1 : -1));
  $("cases").replaceChildren(...incidents.map(caseItem));
}

// The copy kept on the phone holds no resident's name or phone: the server sends them with
// no-store, and a lost or shared phone must not keep them either.
export function withoutContact(incident) {
  const { contact, ...rest } = incident;
  return rest;
}

function keepCase(incident) {
  kept[incident.code] = { ...(kept[incident.code] || {}), incident: withoutContact(incident), at: Date.now() };
}

// Keeps a case as opened (with its timeline) and remembers it as seen; returns the copy kept.
export function keepOpenedCase(code, incident, timeline) {
  kept[code] = { incident: withoutContact(incident), timeline, at: Date.now() };
  writeKept("cases", kept);
  seen[code] = stateOf(incident);
  writeKept("seen", seen);
  return kept[code];
}

const stateOf = (incident) => `${incident.status}/${incident.level}/${incident.version}`;

export function caseItem(incident) {
  // A case seen before whose state moved on since is marked until it is opened; a case never
  // seen is simply new, and remembered as it is now.
  if (!(incident.code in seen)) {
    seen[incident.code] = stateOf(incident);
    writeKept("seen", seen);
  }
  const changed = seen[incident.code] !== stateOf(incident);
  return el(
    "li",
    { "data-code": incident.code, "data-status": incident.status, "data-changed": changed ? "true" : null },
    el("div", { className: "line" }, caseLink(incident.code), el("span", { className: "when" }, formatTime(incident.reported_at))),
    el(
      "div",
      { className: "line" },
      el("span", { className: "what" }, incident.category.name),
      el(
        "span",
        {},
        changed ? el("span", { className: "changed" }, t("changed")) : null,
        el("span", { className: `state status-${incident.status}` }, statusText(incident)),
      ),
    ),
    el("p", { className: "text" }, incident.description),
  );
}

export function wireCases() {
  $("cases-more").textContent = t("more");
  $("cases-more").addEventListener("click", () => loadCases(true));
  whenShown("cases", loadCases);
  // Statuses move on while the worker is out: the list is read again now and then, and whenever
  // the phone is back online, while it is shown.
  setInterval(() => isShown("cases") && document.visibilityState === "visible" && loadCases(), READ_AGAIN_MS);
  window.addEventListener("online", () => isShown("cases") && loadCases());
}
