// Tiny element builder. Text only ever goes in through textContent / text nodes, never as HTML,
// so nothing that came over the wire can inject markup.
/**
 * @param {string} tag
 * @param {Record<string, unknown>} [props] attributes; `text` is the text content; null and false are left out
 * @param {(Node | string | null | undefined | false)[]} [children]
 * @returns {HTMLElement & { [property: string]: any }} an element whose kind only `tag` says (an input, a form…)
 */
export function h(tag, props = {}, children = []) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (name === "text") el.textContent = String(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child != null && child !== false) el.append(child);
  }
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

// Decorative inline icon: hidden from assistive technology, the button carries the name.
/**
 * @param {string} pathData
 * @param {number} [size]
 */
export function icon(pathData, size = 24) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", pathData);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}
