// The live list of visitors on the site and the details panel of one visitor (their context).
import { errorText, request } from "../shared/ack.js";
import { h } from "../shared/dom.js";
import { newClientId } from "../shared/ids.js";
import { formatTime } from "../shared/time.js";
import { answersOf, avatarClass, byMostRecent, dateTime, initials, localTime, ratingText, visitorLabel } from "./format.js";

/**
 * Applies a visitor from the server: one that is no longer listed (left, or erased) goes.
 * @param {Map<string, LiveChatVisitor>} visitors
 * @param {LiveChatVisitor | null | undefined} visitor
 */
export function upsertVisitor(visitors, visitor) {
  if (!visitor || visitor.id == null) return;
  if (visitor.listed === false) {
    visitors.delete(visitor.id);
    return;
  }
  // The live list carries no pre-chat answers (only details do): keep the ones we were told.
  const known = visitors.get(visitor.id);
  if (known && known.answers && !("answers" in visitor)) visitors.set(visitor.id, Object.assign({}, visitor, { answers: known.answers }));
  else visitors.set(visitor.id, visitor);
}

// The list's elements; the console's state says what goes in them.
export class VisitorList {
  /**
   * @param {HTMLElement} list
   * @param {HTMLElement} empty shown when the list is
   * @param {(id: string) => void} onSelect
   */
  constructor(list, empty, onSelect) {
    this.list = list;
    this.empty = empty;
    this.onSelect = onSelect;
  }

  /**
   * @param {Map<string, LiveChatVisitor>} visitors
   * @param {string | null} selectedId
   */
  render(visitors, selectedId) {
    const sorted = Array.from(visitors.values()).sort((a, b) => Number(b.online) - Number(a.online) || byMostRecent(a, b));
    this.list.replaceChildren(
      ...sorted.map((visitor) => {
        const state = visitor.online
          ? h("span", { class: "lc-visitor-state lc-online", text: "Online" })
          : h("span", { class: "lc-visitor-state", text: "Seen " + formatTime(visitor.last_seen_at) });
        const button = h("button", { type: "button", class: "lc-visitor", "aria-current": visitor.id === selectedId ? "true" : null }, [
          h("span", { class: avatarClass(visitor.id), "aria-hidden": "true", text: initials(visitor) }),
          h("span", { class: "lc-visitor-name", text: visitorLabel(visitor) }),
          " ",
          state,
          h("span", { class: "lc-visitor-page", text: visitor.current_title || visitor.current_url || "" }),
        ]);
        button.addEventListener("click", () => this.onSelect(visitor.id));
        return h("li", {}, [button]);
      }),
    );
    this.empty.hidden = sorted.length > 0;
  }
}

// The side panel: one visitor's details, with invitation and block actions.
// deps = { onInvited(ack), showInfo(text), showError(text), confirm(title, text, action) }.
export class VisitorPanel {
  /**
   * @param {HTMLElement} container
   * @param {import("../shared/ack.js").AckSocket} socket
   * @param {{ onInvited: (ack: import("../shared/ack.js").Ack) => void, showInfo: (text: string) => void, showError: (text: string) => void, confirm: (title: string, text: string, action: string) => Promise<boolean> }} deps
   */
  constructor(container, socket, deps) {
    this.container = container;
    this.socket = socket;
    this.deps = deps;
  }

  /**
   * Draws `visitor` (null: nobody chosen). Live updates (`force` false) wait while the agent is in the
   * panel (typing an invitation, say).
   * @param {LiveChatVisitor | null} visitor
   * @param {{ canInvite: boolean, force: boolean }} options
   */
  render(visitor, { canInvite, force }) {
    if (!force && this.container.contains(document.activeElement)) return;
    const deps = this.deps;
    if (!visitor) {
      renderVisitorDetails(this.container, null, { canInvite: false, onInvite: () => {}, onBlock: () => {}, confirm: deps.confirm });
      return;
    }
    renderVisitorDetails(this.container, visitor, {
      canInvite,
      confirm: deps.confirm,
      onInvite: (text) => {
        const payload = { visitor_id: visitor.id, client_id: newClientId(), body: text };
        request(this.socket, "invite_visitor", payload).then((ack) => {
          if (ack.ok) deps.onInvited(ack);
          else deps.showError(errorText(ack, "The invitation could not be sent."));
        });
      },
      onBlock: (minutes) => {
        request(this.socket, "block_visitor", { visitor_id: visitor.id, minutes }).then((ack) => {
          if (ack.ok) deps.showInfo("Visitor blocked.");
          else deps.showError(errorText(ack, "The visitor could not be blocked."));
        });
      },
    });
  }
}

// The pre-chat answers as a definition list (the details panel and the card over the thread).
/** @param {{ label: string, value: string }[]} answers */
export function answersList(answers) {
  return h("dl", { class: "lc-answers", "aria-label": "Pre-chat answers" }, answers.flatMap((a) => row(a.label, a.value)));
}

/**
 * @param {string} label
 * @param {unknown} value
 */
function row(label, value) {
  if (value == null || value === "") return [];
  return [h("dt", { text: label }), h("dd", { text: String(value) })];
}

// Fills the side panel. `actions` = { onInvite(text), onBlock(minutes), canInvite }.
/**
 * @param {HTMLElement} container
 * @param {LiveChatVisitor | null} visitor
 * @param {{ canInvite: boolean, onInvite: (text: string) => void, onBlock: (minutes: number) => void, confirm: (title: string, text: string, action: string) => Promise<boolean> }} actions
 */
function renderVisitorDetails(container, visitor, actions) {
  if (!visitor) {
    container.replaceChildren(h("p", { class: "lc-empty", text: "Select a visitor or a conversation." }));
    return;
  }
  const browser = [visitor.browser, visitor.browser_version].filter(Boolean).join(" ");
  const system = [visitor.os, visitor.os_version].filter(Boolean).join(" ");
  const parts = [
    h("div", { class: "lc-details-who" }, [
      h("span", { class: avatarClass(visitor.id), "aria-hidden": "true", text: initials(visitor) }),
      h("div", {}, [
        h("p", {}, [h("strong", { text: visitorLabel(visitor) })]),
        h("p", {}, [visitor.online ? h("span", { class: "lc-online", text: "Online now" }) : h("span", { class: "lc-visitor-state", text: "Offline" })]),
      ]),
    ]),
    h("dl", {}, [
      ...row("Current page", visitor.current_title ? visitor.current_title + " \u2014 " + (visitor.current_url || "") : visitor.current_url),
      ...row("Referrer", visitor.referrer),
      ...row("Browser", browser),
      ...row("System", [system, visitor.device && visitor.device !== "Other" ? visitor.device : ""].filter(Boolean).join(", ")),
      ...row("Language", visitor.language),
      ...row("Local time", localTime(visitor.timezone)),
      ...row("Visits", (visitor.visit_count || 0) + (visitor.returning ? " (returning visitor)" : " (first visit)")),
      ...row("First seen", dateTime(visitor.first_seen_at)),
      ...row("Department", visitor.department),
      ...row("Email", visitor.email),
      ...row("Network", visitor.ip),
    ]),
  ];
  const answers = answersOf(visitor);
  if (answers.length) {
    // What the visitor told us before the chat comes first: it is what the agent needs to answer.
    parts.splice(1, 0, h("h3", { text: "Pre-chat answers" }), answersList(answers), h("h3", { text: "This visit" }));
  }
  const customer = visitor.customer;
  if (customer && customer.user) {
    const billing = customer.billing || {};
    parts.push(
      h("h3", { text: "Customer" }),
      h("dl", { "aria-label": "Customer" }, [
        ...row("Name", customer.user.name),
        ...row("Email", customer.user.email),
        ...row("User id", customer.user.id),
        ...row("Plan", billing.plan),
        ...row("Status", billing.status),
        ...row("Renews", billing.renews_on),
        ...row("Card", billing.card_brand || billing.card_last4 ? (billing.card_brand || "Card") + " \u2022\u2022\u2022\u2022 " + (billing.card_last4 || "") : ""),
      ]),
    );
  }
  const pages = visitor.pages || [];
  if (pages.length) {
    parts.push(
      h("h3", { text: "Pages this visit" }),
      h(
        "ol",
        { "aria-label": "Pages this visit" },
        pages.map((/** @type {{ viewed_at: string, title?: string, url: string }} */ page) => h("li", {}, [h("time", { datetime: page.viewed_at, text: formatTime(page.viewed_at) }), " ", h("span", { text: page.title || page.url })])),
      ),
    );
  }
  const earlier = visitor.conversations || [];
  if (earlier.length) {
    parts.push(
      h("h3", { text: "Conversations" }),
      h(
        "ul",
        { "aria-label": "Earlier conversations" },
        earlier.map((/** @type {LiveChatConversation} */ c) => h("li", { text: dateTime(c.created_at) + " \u00b7 " + (c.status === "closed" ? "closed" : "open") + (c.rating != null ? " \u00b7 " + ratingText(c) : "") })),
      ),
    );
  }
  if (actions.canInvite && visitor.online) {
    const input = h("input", { type: "text", class: "lc-input", "aria-label": "Invitation message", value: "Hi! Can I help you with anything?", maxlength: "500" });
    const invite = h("button", { type: "submit", class: "lc-btn lc-btn--primary", text: "Invite to chat" });
    const form = h("form", {}, [input, invite]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (input.value.trim()) actions.onInvite(input.value.trim());
    });
    parts.push(h("h3", { text: "Proactive chat" }), form);
  }
  const minutes = h("select", { class: "lc-select", "aria-label": "Block for" }, [
    h("option", { value: "60", text: "1 hour" }),
    h("option", { value: "1440", text: "1 day" }),
    h("option", { value: "10080", text: "7 days" }),
    h("option", { value: "43200", text: "30 days" }),
  ]);
  const block = h("button", { type: "button", class: "lc-btn lc-btn--secondary", text: "Block visitor" });
  block.addEventListener("click", () => {
    actions.confirm("Block this visitor?", "They lose the chat widget until the block ends.", "Block").then((yes) => {
      if (yes) actions.onBlock(Number(minutes.value));
    });
  });
  parts.push(h("h3", { text: "Moderation" }), h("div", { class: "lc-inline" }, [minutes, block]));
  container.replaceChildren(...parts);
}
