/* The page's panels: three tabs (report, outbox, my cases) and one case, shown one at a time. A
 * panel that must read something when it is shown says so with whenShown (my cases reads the list
 * again), so the tabs need not know what each panel holds. */

import { $ } from "./dom.js";

const onShow = {};

export function whenShown(name, read) {
  onShow[name] = read;
}

export const isShown = (name) => !$(`panel-${name}`).hidden;

// Shows one panel; "case" is a panel without a tab.
export function showPanel(name) {
  for (const tab of document.querySelectorAll(".phone-tabs [role=tab]")) {
    const selected = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(selected));
    $(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  const single = $("panel-case"); // the grid worker's page has one; the member's has none
  if (single) single.hidden = name !== "case";
}

export function selectTab(name) {
  showPanel(name);
  if (onShow[name]) onShow[name]();
}

export function wireTabs() {
  for (const tab of document.querySelectorAll(".phone-tabs [role=tab]")) {
    tab.addEventListener("click", () => selectTab(tab.id.replace("tab-", "")));
  }
}
