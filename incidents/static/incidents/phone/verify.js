/* "To verify" (核查): the cases of the worker's grids that a department resolved. The worker goes
 * there, takes the "after" photo, which is sent with where the phone is, then confirms the work or
 * sends it back with a reason. It needs the network (the server checks the photo's place against
 * the case); with none, the tab says so and nothing is lost: the case waits in the list. The unread
 * notifications' count in the header is read again here too. */

import { config } from "./config.js";
import { $, el } from "./dom.js";
import { phonePosition } from "./location.js";
import { shrink } from "./photos.js";
import { readJson, reasonOf, request } from "./server.js";
import { whenShown } from "./tabs.js";
import { t } from "./words.js";

const TIMEOUT_MS = 30000;
const PHOTO_TIMEOUT_MS = 120000;

let current = null; // the case being verified: {code, version}

// The list read again; `keepNote` leaves the line under it as it is (what was just done).
export async function loadToVerify(keepNote = false) {
  const note = $("verify-note");
  if (!navigator.onLine) {
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
    $("verify-list").replaceChildren(...body.results.map(item));
    $("verify-count").textContent = body.count;
    $("verify-count").hidden = !body.count;
    if (!keepNote) note.textContent = body.count ? "" : t("verifyNone");
  } catch (error) {
    note.textContent = navigator.onLine ? error.message : t("verifyOffline");
  }
}

function item(incident) {
  const open = el("button", { type: "button", className: "secondary", "data-code": incident.code }, t("verifyOpen"));
  open.addEventListener("click", () => startVerifying(incident));
  const department = incident.department ? incident.department.name : "";
  return el(
    "li",
    { "data-code": incident.code },
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

// The after photo, sent with the phone's position (the server checks it is on site).
async function sendPhoto() {
  const file = $("verify-photo").files[0];
  if (!file) throw new Error(t("verifyNeedPhoto"));
  const where = phonePosition();
  if (!where) throw new Error(t("verifyNeedLocation"));
  const photo = await shrink(file);
  const form = new FormData();
  form.append("photo", photo, photo.name || "after.jpg");
  form.append("kind", "after");
  form.append("lon", String(where.lon));
  form.append("lat", String(where.lat));
  form.append("crs", "wgs84");
  const url = `${config.urls.incidents}${encodeURIComponent(current.code)}/photos/`;
  const response = await request(url, { method: "POST", body: form }, PHOTO_TIMEOUT_MS);
  if (!response.ok) throw new Error(reasonOf(response, await readJson(response)));
}

async function act(action, reason) {
  const url = `${config.urls.incidents}${encodeURIComponent(current.code)}/${action}/`;
  const body = JSON.stringify({ version: current.version, reason });
  const response = await request(url, { method: "POST", body, headers: { "Content-Type": "application/json" } }, TIMEOUT_MS);
  const answer = await readJson(response);
  if (!response.ok) throw new Error(reasonOf(response, answer));
  return answer;
}

async function finish(action) {
  showError("");
  if (!navigator.onLine) {
    showError(t("verifyOffline"));
    return;
  }
  const reason = $("verify-reason").value.trim();
  if (action === "rework" && !reason) {
    showError(t("verifyNeedReason"));
    return;
  }
  try {
    if (action === "verify") await sendPhoto();
    else if ($("verify-photo").files[0] && phonePosition()) await sendPhoto();
    const answer = await act(action, reason);
    $("verify-form").hidden = true;
    $("verify-note").textContent = t(action === "verify" ? "verifyDone" : "reworkDone", { code: answer.code });
    current = null;
    loadToVerify(true);
  } catch (error) {
    showError(error.message);
  }
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
}
