import { h } from "../shared/dom.js";
import { fill } from "./text.js";

/**
 * One member of the team the server names in `hello` and `team` (docs/protocol.md): a public name and the
 * host's picture, if any. Never an email address or an id.
 * @typedef {{ name: string, avatar?: string | null }} Member
 */

// Dark enough that white initials on them keep WCAG AA contrast (4.5:1 and more).
const COLOURS = ["#1d4ed8", "#047857", "#7c3aed", "#b45309", "#be123c", "#0e7490"];

/** @param {string} name */
export function initials(name) {
  const words = String(name).trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((word) => Array.from(word)[0].toUpperCase()).join("") || "?";
}

/** @param {string} name the same colour for the same name on every page */
export function colourOf(name) {
  let hash = 0;
  for (const char of String(name)) hash = (hash * 31 + (char.codePointAt(0) || 0)) >>> 0;
  return COLOURS[hash % COLOURS.length];
}

// A face: the host's picture, or initials on a coloured circle (also when the picture fails to load).
/** @param {Member} member */
export function face(member) {
  const fallback = () => {
    const circle = h("span", { class: "lc-face", text: initials(member.name) });
    circle.style.setProperty("--lc-face", colourOf(member.name));
    return circle;
  };
  if (!member.avatar) return fallback();
  const img = h("img", { class: "lc-face", src: member.avatar, alt: "" });
  img.addEventListener("error", () => img.replaceWith(fallback()), { once: true });
  return img;
}

/**
 * The header's faces and its online line ("Online now: Sam, Ada" or "Away right now").
 * @param {{ faces: HTMLElement, presence: HTMLElement }} ui
 * @param {Member[]} team
 * @param {boolean} online
 * @param {import("./text.js").Strings} t
 * @param {Node[]} siteFaces what the header showed before anyone was named (LIVECHAT_AVATAR_URL)
 */
export function showTeam(ui, team, online, t, siteFaces) {
  const shown = online ? team : [];
  const faces = shown.slice(0, 3).map(face);
  if (shown.length > 3) {
    faces.push(h("span", { class: "lc-face lc-face--more", text: "+" + (shown.length - 3) }));
  }
  ui.faces.replaceChildren(...(faces.length ? faces : siteFaces));
  ui.presence.hidden = false;
  ui.presence.toggleAttribute("data-online", online);
  // One person by full name; several by first name, so the line fits the header ("Ada, Sam").
  const names = shown.map((member) => (shown.length > 1 ? member.name.trim().split(/\s+/)[0] : member.name)).join(", ");
  ui.presence.replaceChildren(
    h("span", { class: "lc-dot", "aria-hidden": "true" }),
    online ? (names ? fill(t.online_names, { names }) : t.online_now) : t.away_now,
  );
}
