// The emoji picker, its own small bundle: the chat loads it (widget/emoji-button.js) only when a visitor
// first opens the picker. It defines no globals: it hangs its factory on its own script tag, which the chat
// created and reads once the tag has loaded. Everything is built with DOM calls (no HTML strings), so it
// runs under a strict CSP with Trusted Types.
import styles from "./emoji.css";
import { h } from "./shared/dom.js";
import { adoptStyles } from "./shared/styles.js";

// Our own short list of everyday emoji, by category (the key names the category's translated label).
// Single code points or simple sequences only: they render alike on every current system.
const CATEGORIES = [
  ["emoji_smileys", "😀 😃 😄 😁 😆 😅 😂 🙂 😉 😊 😇 🥰 😍 😘 😋 😜 🤔 🤗 🤩 😎 🥳 😌 😐 😑 🙄 😏 😴 😮 😲 😳 🥺 😢 😭 😤 😠 😬 🤯 🤫 🤐 😷"],
  ["emoji_gestures", "👍 👎 👌 ✌️ 🤞 🤝 👏 🙌 👐 🙏 👋 🤙 💪 👉 👈 👆 👇 ☝️ ✋ 🤚 🖐️ ✍️ 👀 🧠"],
  ["emoji_symbols", "❤️ 🧡 💛 💚 💙 💜 🖤 🤍 💔 💯 ✅ ❌ ⚠️ ❓ ❗ ⭐ 🌟 ✨ 🔥 💥 🎉 🎊 💡 🔔 ⏰ ⌛ ➡️ ⬅️ 🔁 🆗"],
  ["emoji_nature", "🐶 🐱 🐭 🐰 🦊 🐻 🐼 🐨 🐯 🦁 🐮 🐷 🐸 🐵 🐔 🐧 🐦 🦉 🐝 🦋 🐢 🐙 🐬 🐳 🌸 🌻 🌹 🌳 🍀 🌈 ☀️ 🌙 ⛅ ❄️ 🌊"],
  ["emoji_food", "☕ 🍵 🍺 🍷 🥂 🍕 🍔 🍟 🌭 🌮 🍣 🍜 🍝 🥗 🍞 🧀 🥐 🍩 🍪 🎂 🍰 🍫 🍿 🍎 🍌 🍓 🍉 🍒 🥑 🥕"],
  ["emoji_things", "📦 🚚 ✈️ 🚗 🚲 🏠 🏢 💻 📱 ⌨️ 🖨️ 📷 🎧 📞 ✉️ 📧 📎 📝 📅 📌 🔒 🔑 🛒 💳 💶 💵 🎁 🏷️ ⚙️ 🔧 ⚽ 🎮 🎵 🏆 ⏳"],
];

/** Shadow roots that already have the picker's styles. */
const styled = new WeakSet();

/**
 * @param {{ root: ShadowRoot, nonce: string, strings: Record<string, string>, pick: (emoji: string) => void,
 *   close: () => void }} options
 */
function createPicker({ root, nonce, strings, pick, close }) {
  if (!styled.has(root)) {
    adoptStyles(root, styles, nonce);
    styled.add(root);
  }
  const grid = h("div", { class: "lc-emoji-grid", role: "group" });
  /** @type {HTMLElement[]} */
  const tabs = [];
  const bar = h("div", { class: "lc-emoji-tabs", role: "toolbar", "aria-label": strings.emoji_categories });
  const element = h("div", { class: "lc-emoji", role: "dialog", "aria-label": strings.emoji, hidden: true }, [bar, grid]);

  /** @param {number} index */
  function show(index) {
    const [key, list] = CATEGORIES[index];
    tabs.forEach((tab, i) => tab.setAttribute("aria-pressed", String(i === index)));
    grid.setAttribute("aria-label", strings[key] || key);
    grid.replaceChildren(
      ...list.split(" ").map((emoji, i) =>
        h("button", { type: "button", class: "lc-emoji-item", tabindex: i === 0 ? "0" : "-1", text: emoji }),
      ),
    );
  }
  CATEGORIES.forEach(([key, list], index) => {
    const tab = h("button", { type: "button", class: "lc-emoji-tab", "aria-label": strings[key] || key, title: strings[key] || key, text: list.split(" ")[0] });
    tab.addEventListener("click", () => show(index));
    tabs.push(tab);
  });
  bar.append(...tabs);
  show(0);

  grid.addEventListener("click", (event) => {
    const item = /** @type {HTMLElement} */ (event.target).closest(".lc-emoji-item");
    if (item) pick(item.textContent || "");
  });

  // Arrow keys move through the grid (one tab stop for all of it), Home/End to its ends; Escape closes the
  // picker only (not the whole chat panel).
  element.addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
      return;
    }
    const items = /** @type {HTMLElement[]} */ (Array.from(grid.children));
    const at = items.indexOf(/** @type {HTMLElement} */ (root.activeElement));
    const inBar = tabs.indexOf(/** @type {HTMLElement} */ (root.activeElement));
    if (inBar >= 0 && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      event.preventDefault();
      tabs[(inBar + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length].focus();
      return;
    }
    if (at < 0) return;
    const columns = Math.max(1, Math.round(grid.clientWidth / (items[0].offsetWidth || 1)));
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns, Home: -at, End: items.length - 1 - at };
    const step = /** @type {Record<string, number>} */ (moves)[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const next = items[Math.min(items.length - 1, Math.max(0, at + step))];
    items[at].tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  });

  return {
    element,
    focus: () => /** @type {HTMLElement} */ (grid.querySelector("[tabindex='0']") || grid.firstElementChild).focus(),
  };
}

const own = /** @type {(HTMLScriptElement & { livechatEmoji?: unknown }) | null} */ (document.currentScript);
if (own) own.livechatEmoji = createPicker;
