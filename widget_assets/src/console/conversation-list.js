// The "Conversations" list: every conversation the console has seen, which ones have unread visitor
// messages, and their rendering as buttons named by the visitor (status, preview and time describe them).
import { h } from "../shared/dom.js";
import { formatTime } from "../shared/time.js";
import { byMostRecent, isOlder, preview, statusText, visitorLabel } from "./format.js";

export class ConversationList {
  constructor(list, empty, filter, onSelect) {
    this.list = list;
    this.empty = empty;
    this.filter = filter;
    this.onSelect = onSelect;
    this.conversations = new Map(); // id -> conversation (open and closed ones we have seen)
    this.unread = new Set(); // ids with visitor messages the agent has not looked at
    this.items = new Map(); // id -> { li, button, parts }
    this.itemCount = 0; // for unique element ids
    this.selectedId = null;
    this.meId = null;
  }

  // Stores a conversation from the server unless it is older than the one we have (conversation_updated
  // events may overtake each other). Returns null when ignored, else what changed.
  apply(conversation) {
    if (!conversation || conversation.id == null) return null;
    const known = this.conversations.get(conversation.id);
    if (known && isOlder(conversation, known)) return null;
    this.conversations.set(conversation.id, conversation);
    return {
      known: Boolean(known),
      grew: !known || (conversation.last_seq || 0) > (known.last_seq || 0),
      fromVisitor: Boolean(conversation.last_message && conversation.last_message.sender === "visitor"),
    };
  }

  visible() {
    const filter = this.filter.value;
    return Array.from(this.conversations.values())
      .filter((c) => c.status !== "closed" || c.id === this.selectedId)
      .filter((c) => filter !== "queue" || c.assigned_agent_id == null)
      .filter((c) => filter !== "mine" || c.assigned_agent_id === this.meId)
      .sort(byMostRecent);
  }

  render() {
    const shown = this.visible();
    const focused = document.activeElement;
    let cursor = this.list.firstChild;
    for (const conversation of shown) {
      const item = this.itemFor(conversation.id);
      this.fill(item, conversation);
      if (item.li === cursor) cursor = cursor.nextSibling;
      else this.list.insertBefore(item.li, cursor);
    }
    const visible = new Set(shown.map((c) => c.id));
    for (const [id, item] of this.items) {
      if (!visible.has(id)) {
        item.li.remove();
        this.items.delete(id);
      }
    }
    // Moving a focused button blurs it in some browsers; keep keyboard users where they were.
    if (focused && focused.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
    this.empty.hidden = shown.length > 0;
  }

  itemFor(id) {
    let item = this.items.get(id);
    if (!item) {
      // The button is named by the visitor only; the rest is its description. That keeps names
      // short for screen readers and stops a preview from sounding like another control.
      const prefix = "lc-conv-" + ++this.itemCount;
      const parts = {
        name: h("span", { id: prefix + "-name", class: "lc-conv-name" }),
        time: h("time", { id: prefix + "-time", class: "lc-conv-time" }),
        status: h("span", { id: prefix + "-status", class: "lc-conv-status" }),
        preview: h("span", { id: prefix + "-preview", class: "lc-conv-preview" }),
        unread: h("span", { id: prefix + "-unread", class: "lc-conv-unread" }),
      };
      const button = h(
        "button",
        {
          type: "button",
          class: "lc-conv",
          "aria-labelledby": parts.name.id,
          "aria-describedby": [parts.unread.id, parts.status.id, parts.preview.id, parts.time.id].join(" "),
        },
        [parts.name, parts.time, parts.status, parts.preview, parts.unread],
      );
      button.addEventListener("click", () => this.onSelect(id));
      item = { li: h("li", { "data-conversation-id": id }, [button]), button, parts };
      this.items.set(id, item);
    }
    return item;
  }

  fill(item, conversation) {
    const isUnread = this.unread.has(conversation.id);
    item.button.className = "lc-conv" + (isUnread ? " lc-conv--unread" : "");
    if (conversation.id === this.selectedId) item.button.setAttribute("aria-current", "true");
    else item.button.removeAttribute("aria-current");
    item.parts.name.textContent = visitorLabel(conversation.visitor);
    item.parts.time.textContent = formatTime(conversation.updated_at);
    item.parts.time.setAttribute("datetime", conversation.updated_at || "");
    item.parts.status.textContent = statusText(conversation, this.meId);
    item.parts.preview.textContent = preview(conversation.last_message);
    // Emptied rather than hidden: aria-describedby would still read a hidden element's text.
    item.parts.unread.textContent = isUnread ? "New" : "";
  }
}
