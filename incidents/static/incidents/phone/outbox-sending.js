/* Sending the outbox. A report goes with its client_id until the server acknowledges it (201: a
 * new case; 200: the same case again), so retries never make a second case; then its photos go one
 * at a time, each retried until acknowledged (the server keeps one copy of each picture). Sending is
 * tried on page load, when the phone comes back online, when the page is shown again, and every few
 * seconds (main.js). A refusal (a 4xx other than 401, 408 and 429) is kept as failed with the
 * server's reason, not retried for ever: the worker edits it or discards it (outbox-list.js). */

import { refreshCasesIfShown } from "./cases.js";
import { config } from "./config.js";
import { $ } from "./dom.js";
import { inFlight, outbox, outboxChanged, pendingPhotos } from "./outbox.js";
import { isAcknowledged, isRefusal, readJson, reasonOf, request } from "./server.js";
import { t } from "./words.js";

export const RETRY_SECONDS = 10;
const REPORT_TIMEOUT_MS = 30000;
const PHOTO_TIMEOUT_MS = 120000; // a few megabytes on a weak network

// The line above the outbox: no network, or why the phone cannot keep reports.
export function showNetwork(message) {
  $("network-state").textContent = message || (navigator.onLine ? "" : t("noNetwork"));
}

let flushing = null;
let flushAgain = false;

// Sends what waits. Called again while it runs, it runs once more afterwards (a report put in the
// outbox meanwhile is not left for the next retry).
export function flush() {
  if (flushing) {
    flushAgain = true;
    return flushing;
  }
  flushing = withLock(sendAll)
    .catch((error) => showNetwork(t("storageError", { reason: error.message })))
    .finally(() => {
      flushing = null;
      if (flushAgain) {
        flushAgain = false;
        flush();
      }
    });
  return flushing;
}

// One sender across the worker's open tabs (where the browser has Web Locks): two would only
// send the same report twice, which the server answers with the same case, but why spend data.
function withLock(work) {
  if (navigator.locks && navigator.locks.request) {
    return navigator.locks.request("govgrid-phone-outbox", { ifAvailable: true }, (lock) => (lock ? work() : null));
  }
  return work();
}

async function sendAll() {
  showNetwork();
  if (!navigator.onLine) return; // not even trying: the phone knows it has no network
  for (const record of await outbox.all()) {
    if (!navigator.onLine) return;
    if (record.state === "queued" && (await sendReport(record)) === "stop") return;
    if (record.state === "sent" && pendingPhotos(record) && (await sendPhotos(record)) === "stop") return;
  }
}

// "ok", "next" (refused: go on with the others) or "stop" (network or server trouble: try later).
async function sendReport(record) {
  inFlight.add(record.client_id);
  outboxChanged();
  let outcome;
  try {
    const response = await request(
      config.urls.incidents,
      { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(record.payload) },
      REPORT_TIMEOUT_MS,
    );
    const body = await readJson(response);
    if (isAcknowledged(response.status)) {
      Object.assign(record, { state: "sent", code: body.code, note: "", sentAt: Date.now() });
      record.duplicates = (body.possible_duplicates || []).map((d) => d.code);
      outcome = "ok";
    } else if (isRefusal(response.status)) {
      Object.assign(record, { state: "failed", note: reasonOf(response, body) });
      outcome = "next";
    } else {
      record.note = notAcceptedYetNote(response, body);
      outcome = "stop";
    }
  } catch (error) {
    record.note = notSentNote(error);
    outcome = "stop";
  } finally {
    inFlight.delete(record.client_id);
  }
  record.attempts = (record.attempts || 0) + 1;
  await outbox.put(record);
  outboxChanged();
  if (outcome === "ok") refreshCasesIfShown();
  return outcome;
}

// "ok" once every photo is acknowledged or refused, "stop" at the first trouble (try later).
async function sendPhotos(record) {
  for (const photo of record.photos) {
    if (photo.state !== "pending") continue;
    if ((await sendPhoto(record, photo)) === "stop") return "stop";
  }
  return "ok";
}

async function sendPhoto(record, photo) {
  inFlight.add(record.client_id);
  outboxChanged();
  let stop = false;
  try {
    const form = new FormData();
    form.append("photo", photo.blob, photo.name);
    const url = `${config.urls.incidents}${encodeURIComponent(record.code)}/photos/`;
    const response = await request(url, { method: "POST", body: form }, PHOTO_TIMEOUT_MS);
    const body = await readJson(response);
    if (isAcknowledged(response.status)) {
      Object.assign(photo, { state: "sent", blob: null }); // the server has it: free the phone's storage
      record.note = "";
    } else if (isRefusal(response.status)) {
      Object.assign(photo, { state: "failed", reason: reasonOf(response, body), blob: null });
    } else {
      record.note = notAcceptedYetNote(response, body);
      stop = true;
    }
  } catch (error) {
    record.note = notSentNote(error);
    stop = true;
  } finally {
    inFlight.delete(record.client_id);
  }
  await outbox.put(record);
  outboxChanged();
  return stop ? "stop" : "ok";
}

// A 401 waits for the worker to log in again (outbox-list.js offers the link); anything else
// that is not a refusal (a 5xx, 408, 429) is retried.
function notAcceptedYetNote(response, body) {
  return response.status === 401 ? t("loginAgain") : t("retrying", { reason: reasonOf(response, body) });
}

function notSentNote(error) {
  if (!navigator.onLine) return t("noNetwork");
  return t("retrying", { reason: error.name === "AbortError" ? t("timedOut") : error.message });
}
