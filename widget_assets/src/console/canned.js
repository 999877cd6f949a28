// Canned responses in the reply box: typing "/" followed by a shortcut lists the matching replies;
// Enter or Tab (or a click) puts the chosen reply in place of the "/shortcut".
import { h } from "../shared/dom.js";

export class CannedPicker {
  /**
   * @param {HTMLTextAreaElement} textarea
   * @param {HTMLElement} list
   */
  constructor(textarea, list) {
    this.textarea = textarea;
    this.list = list;
    /** @type {{ shortcut: string, body: string }[]} */
    this.items = [];
    /** @type {{ shortcut: string, body: string }[]} */
    this.matches = [];
    this.active = 0;
    textarea.addEventListener("input", () => this.update());
    // Runs before the reply box's own Enter-to-send handler (capture phase).
    textarea.addEventListener("keydown", (event) => this.onKey(event), true);
  }

  /** @param {unknown} items */
  setItems(items) {
    this.items = Array.isArray(items) ? items.filter((i) => i && typeof i.shortcut === "string") : [];
    this.update();
  }

  get isOpen() {
    return !this.list.hidden;
  }

  update() {
    const match = /^\/([\w-]*)$/.exec(this.textarea.value);
    this.matches = match ? this.items.filter((item) => item.shortcut.startsWith(match[1].toLowerCase())) : [];
    this.active = 0;
    this.render();
  }

  render() {
    const open = this.matches.length > 0;
    this.list.hidden = !open;
    // No aria-expanded: a textbox may not carry it (axe: aria-allowed-attr); the listbox it controls shows.
    this.list.replaceChildren(
      ...this.matches.map((item, index) => {
        const option = h("li", { role: "option", id: "lc-canned-" + index, "aria-selected": index === this.active ? "true" : "false" }, [
          h("strong", { text: "/" + item.shortcut }),
          " ",
          h("span", { text: item.body }),
        ]);
        option.addEventListener("mousedown", (event) => {
          event.preventDefault(); // keep the focus in the reply box
          this.choose(index);
        });
        return option;
      }),
    );
    if (open) this.textarea.setAttribute("aria-activedescendant", "lc-canned-" + this.active);
    else this.textarea.removeAttribute("aria-activedescendant");
  }

  /** @param {KeyboardEvent} event */
  onKey(event) {
    if (!this.isOpen) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.matches.length) % this.matches.length;
      this.render();
    } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
      event.preventDefault();
      event.stopImmediatePropagation();
      this.choose(this.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.matches = [];
      this.render();
    }
  }

  /** @param {number} index */
  choose(index) {
    const item = this.matches[index];
    if (!item) return;
    this.textarea.value = item.body;
    this.matches = [];
    this.render();
    this.textarea.focus();
  }
}
