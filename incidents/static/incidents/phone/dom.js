/* Building the page's HTML from data: every text goes in as text, never as markup, so a
 * description or a server's reason cannot inject anything. */

export const $ = (id) => document.getElementById(id);

// el("li", {className: "note", "data-code": code}, child, ...): an attribute that is null,
// undefined or false is left out, so optional ones can be written inline.
export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== "") node.append(child);
  return node;
}

export function button(text, onClick) {
  const node = el("button", { type: "button", className: "secondary" }, text);
  node.addEventListener("click", onClick);
  return node;
}

// A case's code as a link that opens the case on this page (case-view.js follows the address).
export function caseLink(code) {
  return el("a", { className: "code", href: `#case=${encodeURIComponent(code)}` }, code);
}
