/* 活动: the activities coming up where the member serves: sign up (kept on the phone and sent like
 * any action), and, on site, check in with the six digits the organiser shows and the phone's
 * position. A code lives a minute or two, so a check-in goes straight to the server and says at
 * once whether it counted; with no network the member is told to try again where there is one. */

import { config } from "../../incidents/phone/config.js";
import { $, el } from "../../incidents/phone/dom.js";
import { newClientId } from "../../incidents/phone/idb.js";
import { readJson, reasonOf, request } from "../../incidents/phone/server.js";
import { formatTime, t } from "../../incidents/phone/words.js";
import { keep, waiting } from "./actions.js";
import { readOrKept } from "./lists.js";

const TIMEOUT_MS = 30000;
const POSITION_TIMEOUT_MS = 20000;

export async function loadActivities() {
  const note = $("activities-note");
  note.textContent = "";
  const rows = (await readOrKept("activities", config.urls.activities, note)) || [];
  if (!rows.length && !note.textContent) note.textContent = t("activitiesNone");
  const busy = new Set((await waiting()).map((action) => action.code));
  $("activities").replaceChildren(...rows.map((row) => item(row, busy.has(`A${row.id}`))));
}

function item(row, busy) {
  const when = `${formatTime(row.starts_at)} – ${formatTime(row.ends_at).slice(-5)}`;
  const left = row.places_left === null ? "" : ` · ${t("placesLeft", { n: row.places_left })}`;
  const line = el("li", { "data-activity": String(row.id) },
    el("span", { className: "what" }, row.title),
    el("span", { className: "meta" }, `${when} · ${row.place} · ${t("hoursEach", { hours: row.hours })}${left}`));
  if (row.mine.attended) line.append(el("span", { className: "state done" }, t("attendedMark")));
  else if (row.check_in === "open") line.append(checkInForm(row));
  else if (busy) line.append(el("span", { className: "state" }, t("waiting")));
  else if (row.mine.signed_up) line.append(el("span", { className: "state" }, t("signedUpMark")));
  else if (row.places_left !== 0) line.append(signUpButton(row));
  return line;
}

function signUpButton(row) {
  const sign = el("button", { type: "button", className: "act", "data-sign-up": String(row.id) }, t("signUp"));
  sign.addEventListener("click", async () => {
    sign.disabled = true;
    await keep({ url: `${config.urls.activities.split("?")[0]}${row.id}/sign-up/`, body: {}, code: `A${row.id}`,
      label: `${t("signUp")} · ${row.title}`, sentLabel: "signedUp" });
    await loadActivities();
  });
  return sign;
}

function position() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) reject(new Error(t("noPosition")));
    else navigator.geolocation.getCurrentPosition(resolve, () => reject(new Error(t("noPosition"))),
      { enableHighAccuracy: true, timeout: POSITION_TIMEOUT_MS, maximumAge: 30000 });
  });
}

function checkInForm(row) {
  const form = el("form", { className: "check-in-form", novalidate: true },
    el("label", {}, t("codeShown"), el("input", { type: "text", name: "code", inputmode: "numeric", maxlength: "6",
      autocomplete: "one-time-code", required: true })),
    el("button", { type: "submit", className: "act" }, t("checkIn")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const note = $("activities-note");
    const code = form.elements.code.value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(code)) {
      note.textContent = t("needCode");
      return;
    }
    if (!navigator.onLine) {
      note.textContent = t("checkInNeedsNetwork");
      return;
    }
    try {
      const where = await position();
      const body = { client_id: newClientId(), code, lon: where.coords.longitude, lat: where.coords.latitude,
        accuracy_m: where.coords.accuracy };
      const url = `${config.urls.activities.split("?")[0]}${row.id}/check-in/`;
      const response = await request(url, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }, TIMEOUT_MS);
      const answer = await readJson(response);
      if (response.ok) await loadActivities(); // drawn again as attended; then the line under the list says so
      note.textContent = response.ok ? t("checkedIn", { title: row.title, hours: row.hours }) : reasonOf(response, answer);
    } catch (error) {
      note.textContent = error.message;
    }
  });
  return form;
}
