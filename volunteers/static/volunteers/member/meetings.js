/* The Party group leader's meeting (三个一: the monthly situation analysis, a training): recorded on
 * the phone at the meeting, with who attended, kept and sent with its client_id until the server
 * has it (actions.js). Shown only to those who lead a grid's Party group (the page's config). */

import { config } from "../../incidents/phone/config.js";
import { $, el } from "../../incidents/phone/dom.js";
import { newClientId } from "../../incidents/phone/idb.js";
import { t, todayInSite as today } from "../../incidents/phone/words.js";
import { keep } from "./actions.js";


function field(label, input, wide = true) {
  return el("label", { className: wide ? "wide" : null }, label, input);
}

function attendeesOf(grid) {
  return el("fieldset", { className: "attendees" }, el("legend", {}, t("attendees")),
    ...grid.people.map((person) => el("label", { className: "check" },
      el("input", { type: "checkbox", name: "attendee", value: String(person.id), checked: true }), ` ${person.name}`)));
}

export function wireMeetings() {
  const holder = $("meeting");
  if (!config.leads.length) return;
  holder.hidden = false;
  const grids = el("select", { name: "area" }, ...config.leads.map((grid) => el("option", { value: grid.code }, grid.name)));
  const attendees = el("div", {}, attendeesOf(config.leads[0]));
  grids.addEventListener("change", () => attendees.replaceChildren(attendeesOf(config.leads.find((g) => g.code === grids.value))));
  const form = el("form", { className: "visit-form meeting-form", novalidate: true },
    field(t("meetingTitle"), grids),
    field(t("meetingKind"), el("select", { name: "kind" }, el("option", { value: "analysis" }, t("analysis")),
      el("option", { value: "training" }, t("training"))), false),
    field(t("heldOn"), el("input", { type: "date", name: "held_on", value: today(), max: today(), required: true }), false),
    field(t("topic"), el("input", { type: "text", name: "topic", maxlength: "200" })),
    attendees,
    field(t("othersAttending"), el("input", { type: "number", name: "others", min: "0", value: "0", inputmode: "numeric" }), false),
    field(t("issues"), el("textarea", { name: "issues", maxlength: "4000", rows: "2" })),
    field(t("decisions"), el("textarea", { name: "decisions", maxlength: "4000", rows: "2" })),
    el("button", { type: "submit", className: "act" }, t("recordMeeting")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll("input[name=attendee]:checked")].map((box) => Number(box.value));
    const grid = config.leads.find((g) => g.code === grids.value);
    const body = { client_id: newClientId(), area: grids.value, kind: form.elements.kind.value, held_on: form.elements.held_on.value,
      topic: form.elements.topic.value.trim(), attendees: chosen, others_attending: Number(form.elements.others.value) || 0,
      issues: form.elements.issues.value.trim(), decisions: form.elements.decisions.value.trim() };
    await keep({ url: config.urls.meetings, body, code: grid.name, label: t("recordMeeting"), sentLabel: "meetingSent" });
    form.reset();
    form.elements.held_on.value = today();
    $("meeting-note").textContent = t("meetingKept");
  });
  holder.append(form);
}
