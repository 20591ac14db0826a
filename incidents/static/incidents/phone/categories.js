/* The two lists that choose a report's category: a class, then one of its items. The tree is
 * kept on the phone, so a worker who once opened the page online can report with no network. */

import { config } from "./config.js";
import { $, el } from "./dom.js";
import { storageKey } from "./kept.js";
import { request } from "./server.js";
import { t } from "./words.js";

const CATEGORIES_TIMEOUT_MS = 20000;

let categories = []; // [{code, name, items: [{code, name}]}]

export async function loadCategories() {
  categories = (await readCategories()) || JSON.parse(localStorage.getItem(storageKey("categories")) || "[]");
  const classes = $("category-class");
  classes.replaceChildren(el("option", { value: "" }, t(categories.length ? "chooseClass" : "noCategories")));
  for (const c of categories) classes.append(el("option", { value: c.code }, c.name));
  fillItems();
  $("phone").dataset.categories = categories.length;
}

async function readCategories() {
  if (!navigator.onLine) return null;
  try {
    const response = await request(config.urls.categories, {}, CATEGORIES_TIMEOUT_MS);
    if (!response.ok) return null;
    const tree = await response.json();
    localStorage.setItem(storageKey("categories"), JSON.stringify(tree));
    return tree;
  } catch {
    return null;
  }
}

// The items of the chosen class.
function fillItems() {
  const chosen = categories.find((c) => c.code === $("category-class").value);
  const items = $("category");
  items.replaceChildren(el("option", { value: "" }, t("chooseItem")));
  for (const item of chosen ? chosen.items : []) items.append(el("option", { value: item.code }, item.name));
  items.disabled = !chosen;
}

// Chooses the item `code` and its class (a report put back in the form).
export function chooseCategory(code) {
  const owner = categories.find((c) => c.items.some((i) => i.code === code));
  $("category-class").value = owner ? owner.code : "";
  fillItems();
  $("category").value = owner ? code : "";
}

// The chosen item, {code, name}, or null.
export function chosenCategory() {
  const items = $("category");
  return items.value ? { code: items.value, name: items.selectedOptions[0].textContent } : null;
}

export function wireCategories() {
  $("category-class").addEventListener("change", fillItems);
}
