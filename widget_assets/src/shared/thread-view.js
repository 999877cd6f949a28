import { h } from "./dom.js";
import { systemLine } from "./system-line.js";
import { formatTime } from "./time.js";

/** @typedef {import("./messages.js").Entry} Entry */
/** @typedef {import("./messages.js").Message} Message */
/** @typedef {{ agent: string, sending: string } & Record<string, string>} ThreadStrings */

// Renders MessageStore entries into a role="log" element. Nodes are kept per entry key and only
// moved or refilled when needed, so screen readers announce new messages, not the whole log.
export class ThreadView {
  // renderBody(message) may return the element for a message's body (e.g. an attachment);
  // decorate(node, entry) may add controls to a filled message (the console's "Delete").
  // strings: the words it shows, { agent, sending, system_closed, … }: the widget passes the visitor's
  // translations, the console its agent's (system lines are worded by the reader, from the message's event).
  /**
   * @param {HTMLElement} log
   * @param {object} options
   * @param {string} options.ownSender
   * @param {ThreadStrings} options.strings
   * @param {((message: Message) => HTMLElement | null) | null} [options.renderBody]
   * @param {((node: HTMLElement, entry: Entry) => void) | null} [options.decorate]
   */
  constructor(log, { ownSender, strings, renderBody = null, decorate = null }) {
    this.log = log;
    this.ownSender = ownSender;
    this.strings = strings;
    this.renderBody = renderBody;
    this.decorate = decorate;
    this.nodes = new Map(); // key -> { node, state }
  }

  clear() {
    this.nodes.clear();
    this.log.replaceChildren();
  }

  /**
   * @param {Entry[]} entries
   * @param {{ scrollToEnd?: boolean }} [options]
   */
  render(entries, { scrollToEnd = false } = {}) {
    const stick = scrollToEnd || this.isNearEnd();
    const seen = new Set();
    let cursor = this.log.firstChild;
    for (const entry of entries) {
      const node = this.nodeFor(entry);
      seen.add(entry.key);
      if (cursor && node === cursor) cursor = cursor.nextSibling;
      else this.log.insertBefore(node, cursor);
    }
    for (const [key, item] of this.nodes) {
      if (!seen.has(key)) {
        item.node.remove();
        this.nodes.delete(key);
      }
    }
    if (stick) this.scrollToEnd();
  }

  /** @param {Entry} entry */
  nodeFor(entry) {
    const state = entry.pending ? "pending" : "sent:" + entry.message.id;
    let item = this.nodes.get(entry.key);
    if (!item) {
      item = { node: h("div"), state: null };
      this.nodes.set(entry.key, item);
    }
    if (item.state !== state) {
      fillMessage(item.node, entry, this.ownSender, this.strings, this.renderBody);
      if (this.decorate) this.decorate(item.node, entry);
      item.state = state;
    }
    return item.node;
  }

  isNearEnd() {
    const log = this.log;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

/**
 * @param {HTMLElement} node
 * @param {Entry} entry
 * @param {string} ownSender
 * @param {ThreadStrings} strings
 * @param {((message: Message) => HTMLElement | null) | null} renderBody
 */
function fillMessage(node, entry, ownSender, strings, renderBody) {
  const m = entry.message;
  const sender = m.sender === "agent" || m.sender === "visitor" ? m.sender : "system";
  const classes = ["lc-msg", "lc-msg--" + sender];
  if (sender === ownSender) classes.push("lc-msg--own");
  if (entry.pending) classes.push("lc-msg--pending");
  node.className = classes.join(" ");
  if (entry.pending) node.setAttribute("aria-busy", "true");
  else node.removeAttribute("aria-busy");

  const author = sender === "agent" ? h("span", { class: "lc-msg-author", text: m.author || strings.agent }) : null;
  const meta = entry.pending
    ? h("span", { class: "lc-msg-meta", text: strings.sending })
    : h("span", { class: "lc-msg-meta" }, [h("time", { datetime: m.created_at, text: formatTime(m.created_at) })]);
  const text = sender === "system" ? systemLine(m, strings) : m.body;
  const body = (renderBody && renderBody(m)) || h("p", { class: "lc-msg-body", text });
  node.replaceChildren(...(author ? [author] : []), body, meta);
}
