/* "To verify" (核查): the cases of the worker's grids that a department resolved. The worker goes
 * there, takes the "after" photo, then confirms the work or sends it back with a reason. What they
 * decided is kept on the phone first (IndexedDB, outbox.js: the photo, where the phone was, the
 * action), then sent: the photo (the server keeps one copy of each picture), then the action at the
 * version the worker saw. With no network it waits and goes when the network comes back; an action
 * the server already has (a retry after a lost answer) is recognised by the case's status. The
 * unread notifications' count in the header is read again here too. */

import { config } from "./config.js";
import { $, el } from "./dom.js";
import { readKept, writeKept } from "./kept.js";
import { phonePosition } from "./location.js";
import { verifications } from "./outbox.js";
import { shrink } from "./photos.js";
import { isRefusal, readJson, reasonOf, request } from "./server.js";
import { whenShown } from "./tabs.js";
import { t } from "./words.js";

const TIMEOUT_MS = 30000;
const PHOTO_TIMEOUT_MS = 120000;

let current = null; // the case being verified: {code, version}
let sending = null;
// Raised each time a sending writes what became of a case under the list: a reading of the list
// that began before it does not replace that line with "nothing to verify".
let outcomes = 0;
// What each action leaves the case as: a retry finding it so knows the server has it already.
const LEAVES = { verify: "verified", rework: "in_progress" };

// The list read again; `keepNote` leaves the line under it as it is (what was just done).
export async function loadToVerify(keepNote = false) {
  const note = $("verify-note");
  const outcomesBefore = outcomes;
  if (!navigator.onLine) {
    // The copy read last (without any resident's contact), so the work goes on in a basement.
    await showList(readKept("verify").results || []);
    note.textContent = t("verifyOffline");
    return;
  }
  try {
    const response = await request(config.urls.toVerify, {}, TIMEOUT_MS);
    const body = await readJson(response);
    if (!response.ok) {
      note.textContent = reasonOf(response, body);
      return;
    }
    const results = body.results.map(({ contact, ...rest }) => rest);
    writeKept("verify", { results });
    await showList(results);
    if (!keepNote && outcomes === outcomesBefore) note.textContent = body.count ? "" : t("verifyNone");
  } catch (error) {
    note.textContent = navigator.onLine ? error.message : t("verifyOffline");
  }
}

// The cases to verify; one whose decision waits on the phone says so and is not offered again.
async function showList(results) {
  const waiting = new Set((await verifications.all()).filter((r) => r.state === "queued").map((r) => r.code));
  $("verify-list").replaceChildren(...results.map((incident) => item(incident, waiting.has(incident.code))));
  const open = results.filter((incident) => !waiting.has(incident.code)).length;
  $("verify-count").textContent = open;
  $("verify-count").hidden = !open;
}

function item(incident, waiting) {
  const open = waiting
    ? el("span", { className: "state" }, t("verifyWaiting"))
    : el("button", { type: "button", className: "secondary", "data-code": incident.code }, t("verifyOpen"));
  if (!waiting) open.addEventListener("click", () => startVerifying(incident));
  const department = incident.department ? incident.department.name : "";
  return el(
    "li",
    { "data-code": incident.code, "data-waiting": waiting ? "true" : null },
    el("strong", {}, incident.code),
    " ",
    incident.category.name,
    el("span", { className: "note" }, ` ${department} · ${incident.description}`),
    open,
  );
}

function startVerifying(incident) {
  current = { code: incident.code, version: incident.version };
  $("verify-code").textContent = incident.code;
  $("verify-what").textContent = incident.description;
  $("verify-photo").value = "";
  $("verify-reason").value = "";
  showError("");
  $("verify-form").hidden = false;
  $("verify-form").scrollIntoView({ block: "start" });
}

function showError(text) {
  $("verify-error").textContent = text;
  $("verify-error").hidden = !text;
}

// Kept on the phone first: from here on, nothing the network does can lose it.
async function keep(action, reason) {
  const file = $("verify-photo").files[0];
  const where = phonePosition();
  if (action === "verify" && !file) throw new Error(t("verifyNeedPhoto"));
  if (file && !where) throw new Error(t("verifyNeedLocation"));
  const photo = file ? await shrink(file) : null;
  await verifications.put({
    code: current.code,
    user: config.user,
    version: current.version,
    action,
    reason,
    photo: photo ? { blob: photo, name: photo.name || "after.jpg", ...where, state: "pending" } : null,
    state: "queued",
    note: "",
    created: Date.now(),
  });
}

async function finish(action) {
  showError("");
  const reason = $("verify-reason").value.trim();
  if (action === "rework" && !reason) {
    showError(t("verifyNeedReason"));
    return;
  }
  try {
    await keep(action, reason);
  } catch (error) {
    showError(error.message);
    return;
  }
  const code = current.code;
  $("verify-form").hidden = true;
  current = null;
  $("verify-note").textContent = t("verifyKept", { code });
  await showList(readKept("verify").results || []);
  await sendVerifications();
}

// Sends what waits, one case after another; stops at the first trouble of the network (tried
// again when the phone is online again, and every few seconds, main.js).
export function sendVerifications() {
  sending = sending || sendAll().finally(() => (sending = null));
  return sending;
}

async function sendAll() {
  if (!navigator.onLine) return;
  let sent = false;
  for (const record of await verifications.all()) {
    if (record.state !== "queued") continue;
    const outcome = await sendOne(record);
    sent = sent || outcome !== "stop";
    if (outcome === "stop") return;
    if (outcome === "done") {
      await verifications.remove(record.code);
      outcomes += 1;
      $("verify-note").textContent = t(record.action === "verify" ? "verifyDone" : "reworkDone", { code: record.code });
    } else {
      record.state = "failed";
      await verifications.put(record);
      outcomes += 1;
      $("verify-note").textContent = `${record.code}: ${record.note}`;
    }
  }
  if (sent) loadToVerify(true);
}

// "done", "refused" (kept with the server's reason) or "stop" (no network or server trouble).
async function sendOne(record) {
  try {
    if (record.photo && record.photo.state === "pending") {
      const form = new FormData();
      form.append("photo", record.photo.blob, record.photo.name);
      for (const [name, value] of [["kind", "after"], ["lon", record.photo.lon], ["lat", record.photo.lat], ["crs", "wgs84"]]) {
        form.append(name, String(value));
      }
      const url = `${config.urls.incidents}${encodeURIComponent(record.code)}/photos/`;
      const response = await request(url, { method: "POST", body: form }, PHOTO_TIMEOUT_MS);
      if (!response.ok) return refusedOrStop(record, response, await readJson(response));
      record.photo = { ...record.photo, blob: null, state: "sent" };
      await verifications.put(record);
    }
    const url = `${config.urls.incidents}${encodeURIComponent(record.code)}/${record.action}/`;
    const body = JSON.stringify({ version: record.version, reason: record.reason });
    const headers = { "Content-Type": "application/json" };
    const response = await request(url, { method: "POST", body, headers }, TIMEOUT_MS);
    const answer = await readJson(response);
    if (response.ok) return "done";
    if (response.status === 409 && answer.status === LEAVES[record.action]) return "done"; // it arrived before
    return refusedOrStop(record, response, answer);
  } catch (error) {
    record.note = error.message;
    return "stop";
  }
}

function refusedOrStop(record, response, answer) {
  record.note = reasonOf(response, answer);
  return isRefusal(response.status) ? "refused" : "stop";
}

// The header's count of unread notifications, read again (the page may come from the phone's copy).
export async function refreshUnread() {
  if (!navigator.onLine) return;
  try {
    const response = await request(config.urls.notifications, {}, TIMEOUT_MS);
    if (!response.ok) return;
    const { unread } = await readJson(response);
    const bell = $("menu-notifications");
    if (!bell) return;
    let badge = $("unread-count");
    if (!badge) {
      badge = el("span", { className: "badge unread-count", id: "unread-count" });
      bell.append(" ", badge);
    }
    badge.textContent = unread;
    badge.hidden = !unread;
  } catch {
    // the count stays as the page had it
  }
}

export function wireVerify() {
  whenShown("verify", () => loadToVerify());
  $("verify-confirm").addEventListener("click", () => finish("verify"));
  $("verify-rework").addEventListener("click", () => finish("rework"));
  window.addEventListener("online", () => sendVerifications());
}
