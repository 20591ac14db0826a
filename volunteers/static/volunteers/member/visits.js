/* 走访: the member's household links, each with its last weeks (visited, due, not yet), and the
 * form to record this week's visit: the day, how many households were reached, notes, and a
 * problem found there, which becomes a case in the link's grid once the visit has arrived. The
 * visit is kept on the phone with its client_id and sent until the server has it (actions.js): sent
 * twice, it is recorded once. */

import { config } from "../../incidents/phone/config.js";
import { $, el } from "../../incidents/phone/dom.js";
import { newClientId } from "../../incidents/phone/idb.js";
import { t, todayInSite as today } from "../../incidents/phone/words.js";
import { keep } from "./actions.js";
import { readOrKept, redraw } from "./lists.js";

export async function loadVisits() {
  const note = $("visits-note");
  note.textContent = "";
  const [due, categories] = await Promise.all([
    readOrKept("visits", config.urls.visitsDue, note),
    readOrKept("categories", config.urls.categories, note),
  ]);
  const links = (due && due.links) || [];
  const behind = links.filter((link) => link.weeks.some((week) => week.due && !week.done && week !== link.weeks.at(-1))).length;
  $("visits-count").textContent = String(behind);
  $("visits-count").hidden = !behind;
  if (!links.length && due) note.textContent = t("visitsNone");
  redraw($("visits"), links.map((link) => linkItem(link, items(categories))), "data-link");
}

// The category items, flat, from the categories' tree (as the grid worker's form reads them); a
// meeting's decision made a case offers the same (decisions.js).
export function items(categories) {
  const list = Array.isArray(categories) ? categories : (categories && categories.results) || [];
  return list.flatMap((entry) => (entry.items ? entry.items : [entry])).filter((item) => item.code && item.code.length > 2);
}

function weekChip(week) {
  const state = week.done ? "done" : week.due ? "missed" : "none";
  return el("span", { className: `week ${state}`, title: week.week }, week.done ? "✓" : week.due ? "•" : "–");
}


function linkItem(link, categories) {
  const day = today();
  const category = el("select", { name: "category" }, el("option", { value: "" }, t("noProblem")),
    ...categories.map((item) => el("option", { value: item.code }, `${item.code} ${item.name}`)));
  const form = el("form", { className: "visit-form", novalidate: true },
    el("label", {}, t("visitedOn"), el("input", { type: "date", name: "visited_on", value: day, max: day, required: true })),
    el("label", {}, t("householdsReached"), el("input", { type: "number", name: "households", min: "1", max: String(link.households),
      value: String(link.households), inputmode: "numeric", required: true })),
    el("label", { className: "wide" }, t("visitNotes"), el("input", { type: "text", name: "notes", maxlength: "2000" })),
    el("label", { className: "wide" }, t("problemFound"), category),
    el("label", { className: "wide" }, t("problemWhat"), el("input", { type: "text", name: "problem", maxlength: "2000" })),
    el("button", { type: "submit", className: "act" }, t("recordVisit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    record(link, form);
  });
  return el("li", { "data-link": String(link.link) },
    el("span", { className: "what" }, `${link.grid_name} · ${t("households", { n: link.households })}`),
    el("span", { className: "weeks" }, ...link.weeks.map(weekChip)),
    form);
}

async function record(link, form) {
  const reached = Number(form.elements.households.value);
  const problem = form.elements.problem.value.trim();
  const category = form.elements.category.value;
  if (!reached || reached < 1 || reached > link.households) {
    $("visits-note").textContent = t("needHouseholds", { n: link.households });
    return;
  }
  if (category && !problem) {
    $("visits-note").textContent = t("needProblem");
    return;
  }
  const body = { client_id: newClientId(), link: link.link, visited_on: form.elements.visited_on.value,
    households_reached: reached, notes: form.elements.notes.value.trim() };
  const then = category
    ? { url: config.urls.visitFindings, body: { client_id: newClientId(), category, description: problem },
        code: link.grid_name, label: t("problemFound"), sentLabel: "findingSent", answerCode: "case.code" }
    : null;
  await keep({ url: config.urls.visits, body, code: link.grid_name, label: t("recordVisit"), sentLabel: "visitSent", then });
  form.reset();
  $("visits-note").textContent = t(navigator.onLine ? "visitSending" : "visitKept");
}
