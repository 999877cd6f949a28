// The "Conversations" list: every conversation the console has seen, which ones have unread visitor
// messages, and their rendering as compact rows (avatar, name and time; preview; status) named by the
// visitor, so at least eight fit at 1366x768.
import { h } from "../shared/dom.js";
import { formatTime } from "../shared/time.js";
import { avatarClass, byMostRecent, chatNumberText, initials, isOlder, preview, statusText, visitorLabel } from "./format.js";
import { word } from "./words.js";

/**
 * Stores a conversation from the server in `conversations` unless it is older than the one there
 * (conversation_updated events may overtake each other). A `partial` update (the one after each message:
 * no visitor, tags or chat number) is merged into the summary already there; for an unknown conversation it
 * is ignored and `missing` says so, so the caller fetches the whole summary. Returns null when ignored, else
 * what changed.
 * @param {Map<string, LiveChatConversation>} conversations
 * @param {LiveChatConversation & { partial?: boolean }} conversation
 * @returns {{ known: boolean, grew: boolean, fromVisitor: boolean, missing?: boolean } | null}
 */
export function applyConversation(conversations, conversation) {
  if (!conversation || conversation.id == null) return null;
  const known = conversations.get(conversation.id);
  if (known && isOlder(conversation, known)) return null;
  const { partial, ...fields } = conversation;
  if (partial && !known) return { known: false, grew: false, fromVisitor: false, missing: true };
  conversations.set(conversation.id, partial ? { ...known, ...fields } : fields);
  return {
    known: Boolean(known),
    grew: !known || (conversation.last_seq || 0) > (known.last_seq || 0),
    fromVisitor: Boolean(conversation.last_message && conversation.last_message.sender === "visitor"),
  };
}

/**
 * What the list shows: open conversations (and the selected one, even closed), filtered, newest first.
 * @param {Map<string, LiveChatConversation>} conversations
 * @param {{ filter: string, selectedId: string | null, meId: string | null }} view
 */
export function visibleConversations(conversations, { filter, selectedId, meId }) {
  return Array.from(conversations.values())
    .filter((c) => c.status !== "closed" || c.id === selectedId)
    .filter((c) => filter !== "queue" || c.assigned_agent_id == null)
    .filter((c) => filter !== "mine" || c.assigned_agent_id === meId)
    .sort(byMostRecent);
}

/**
 * @typedef {{ li: HTMLElement, button: HTMLElement, parts: Record<"avatar" | "name" | "time" | "status" | "left" | "statusText" | "preview" | "unread", HTMLElement> }} ListItem
 */
/** @typedef {{ filter: string, selectedId: string | null, meId: string | null, visitors?: Map<string, LiveChatVisitor> }} ListView */

// The list's elements; the console's state says what goes in them.
export class ConversationList {
  /**
   * @param {HTMLElement} list
   * @param {HTMLElement} empty shown when the list is
   * @param {(id: string) => void} onSelect
   */
  constructor(list, empty, onSelect) {
    this.list = list;
    this.empty = empty;
    this.onSelect = onSelect;
    /** @type {Map<string, ListItem>} id -> its elements */
    this.items = new Map();
    this.itemCount = 0; // for unique element ids
  }

  /**
   * @param {Map<string, LiveChatConversation>} conversations
   * @param {Set<string>} unread ids with visitor messages the agent has not looked at
   * @param {ListView} view
   */
  render(conversations, unread, view) {
    const shown = visibleConversations(conversations, view);
    const focused = /** @type {HTMLElement | null} */ (document.activeElement);
    let cursor = this.list.firstChild;
    for (const conversation of shown) {
      const item = this.itemFor(conversation.id);
      this.fill(item, conversation, unread.has(conversation.id), view);
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

  /** @param {string} id */
  itemFor(id) {
    let item = this.items.get(id);
    if (!item) {
      // The button is named by the visitor only; the rest is its description. That keeps names
      // short for screen readers and stops a preview from sounding like another control.
      const prefix = "lc-conv-" + ++this.itemCount;
      const left = h("span", { class: "lc-badge lc-badge--left" });
      const statusLine = h("span", { class: "lc-conv-status-text" });
      const parts = {
        avatar: h("span", { class: "lc-avatar", "aria-hidden": "true" }),
        name: h("span", { id: prefix + "-name", class: "lc-conv-name" }),
        time: h("time", { id: prefix + "-time", class: "lc-conv-time" }),
        status: h("span", { id: prefix + "-status", class: "lc-conv-status" }, [left, statusLine]),
        left,
        statusText: statusLine,
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
        [parts.avatar, parts.name, parts.time, parts.preview, parts.unread, parts.status],
      );
      button.addEventListener("click", () => this.onSelect(id));
      item = { li: h("li", { "data-conversation-id": id }, [button]), button, parts };
      this.items.set(id, item);
    }
    return item;
  }

  /**
   * @param {ListItem} item
   * @param {LiveChatConversation} conversation
   * @param {boolean} isUnread
   * @param {ListView} view
   */
  fill(item, conversation, isUnread, { selectedId, meId, visitors }) {
    const closed = conversation.status === "closed";
    item.button.className = "lc-conv" + (isUnread ? " lc-conv--unread" : "") + (closed ? " lc-conv--closed" : "");
    if (conversation.id === selectedId) item.button.setAttribute("aria-current", "true");
    else item.button.removeAttribute("aria-current");
    const visitor = conversation.visitor;
    const live = visitor && visitors ? visitors.get(visitor.id) : null;
    item.parts.name.textContent = visitorLabel(visitor, live);
    item.parts.avatar.textContent = initials(visitor);
    item.parts.avatar.className = avatarClass(visitor && visitor.id);
    item.parts.time.textContent = formatTime(conversation.updated_at);
    item.parts.time.setAttribute("datetime", conversation.updated_at || "");
    // "2nd chat" says this is a returning visitor's new conversation, not a duplicate of the old row.
    const number = chatNumberText(conversation);
    item.parts.statusText.textContent = (number ? number + " \u00b7 " : "") + statusText(conversation, meId);
    // Nobody was online when it came in: the visitor left and expects an answer by email.
    item.parts.left.textContent = conversation.left_message ? word("left_message") : "";
    item.parts.preview.textContent = preview(conversation.last_message);
    // Emptied rather than hidden: aria-describedby would still read a hidden element's text.
    item.parts.unread.textContent = isUnread ? word("new_badge") : "";
  }
}
