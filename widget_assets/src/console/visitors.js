// The live list of visitors on the site and the details panel of one visitor (their context).
import { errorText, request } from "../shared/ack.js";
import { h } from "../shared/dom.js";
import { newClientId } from "../shared/ids.js";
import { formatTime } from "../shared/time.js";
import { answersOf, avatarClass, byMostRecent, dateTime, initials, localTime, ratingText, visitorLabel } from "./format.js";
import { word } from "./words.js";

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
          ? h("span", { class: "lc-visitor-state lc-online", text: word("online") })
          : h("span", { class: "lc-visitor-state", text: word("seen_at", { time: formatTime(visitor.last_seen_at) }) });
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
          else deps.showError(errorText(ack, word("invite_failed")));
        });
      },
      onBlock: (minutes) => {
        request(this.socket, "block_visitor", { visitor_id: visitor.id, minutes }).then((ack) => {
          if (ack.ok) deps.showInfo(word("visitor_blocked"));
          else deps.showError(errorText(ack, word("block_failed")));
        });
      },
    });
  }
}

// The pre-chat answers as a definition list (the details panel and the card over the thread).
/** @param {{ label: string, value: string }[]} answers */
export function answersList(answers) {
  return h("dl", { class: "lc-answers", "aria-label": word("prechat_answers") }, answers.flatMap((a) => row(a.label, a.value)));
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
    container.replaceChildren(h("p", { class: "lc-empty", text: word("select_visitor") }));
    return;
  }
  const browser = [visitor.browser, visitor.browser_version].filter(Boolean).join(" ");
  const system = [visitor.os, visitor.os_version].filter(Boolean).join(" ");
  const parts = [
    h("div", { class: "lc-details-who" }, [
      h("span", { class: avatarClass(visitor.id), "aria-hidden": "true", text: initials(visitor) }),
      h("div", {}, [
        h("p", {}, [h("strong", { text: visitorLabel(visitor) })]),
        h("p", {}, [visitor.online ? h("span", { class: "lc-online", text: word("online_now") }) : h("span", { class: "lc-visitor-state", text: word("offline") })]),
      ]),
    ]),
    h("dl", {}, [
      ...row(word("current_page"), visitor.current_title ? visitor.current_title + " \u2014 " + (visitor.current_url || "") : visitor.current_url),
      ...row(word("referrer"), visitor.referrer),
      ...row(word("browser"), browser),
      ...row(word("system"), [system, visitor.device && visitor.device !== "Other" ? visitor.device : ""].filter(Boolean).join(", ")),
      ...row(word("language"), visitor.language),
      ...row(word("local_time"), localTime(visitor.timezone)),
      ...row(word("visits"), word(visitor.returning ? "visits_returning" : "visits_first", { count: visitor.visit_count || 0 })),
      ...row(word("first_seen"), dateTime(visitor.first_seen_at)),
      ...row(word("department"), visitor.department),
      ...row(word("email"), visitor.email),
      ...row(word("network"), visitor.ip),
    ]),
  ];
  const answers = answersOf(visitor);
  if (answers.length) {
    // What the visitor told us before the chat comes first: it is what the agent needs to answer.
    parts.splice(1, 0, h("h3", { text: word("prechat_answers") }), answersList(answers), h("h3", { text: word("this_visit") }));
  }
  const customer = visitor.customer;
  if (customer && customer.user) {
    const billing = customer.billing || {};
    parts.push(
      h("h3", { text: word("customer") }),
      h("dl", { "aria-label": word("customer") }, [
        ...row(word("name"), customer.user.name),
        ...row(word("email"), customer.user.email),
        ...row(word("user_id"), customer.user.id),
        ...row(word("plan"), billing.plan),
        ...row(word("status"), billing.status),
        ...row(word("renews"), billing.renews_on),
        ...row(word("card"), billing.card_brand || billing.card_last4 ? (billing.card_brand || word("card")) + " \u2022\u2022\u2022\u2022 " + (billing.card_last4 || "") : ""),
      ]),
    );
  }
  const pages = visitor.pages || [];
  if (pages.length) {
    parts.push(
      h("h3", { text: word("pages_this_visit") }),
      h(
        "ol",
        { "aria-label": word("pages_this_visit") },
        pages.map((/** @type {{ viewed_at: string, title?: string, url: string }} */ page) => h("li", {}, [h("time", { datetime: page.viewed_at, text: formatTime(page.viewed_at) }), " ", h("span", { text: page.title || page.url })])),
      ),
    );
  }
  const earlier = visitor.conversations || [];
  if (earlier.length) {
    parts.push(
      h("h3", { text: word("conversations") }),
      h(
        "ul",
        { "aria-label": word("earlier_conversations") },
        earlier.map((/** @type {LiveChatConversation} */ c) => h("li", { text: dateTime(c.created_at) + " \u00b7 " + word(c.status === "closed" ? "status_closed" : "status_open") + (c.rating != null ? " \u00b7 " + ratingText(c) : "") })),
      ),
    );
  }
  if (actions.canInvite && visitor.online) {
    const input = h("input", { type: "text", class: "lc-input", "aria-label": word("invitation_message"), value: word("invitation_default"), maxlength: "500" });
    const invite = h("button", { type: "submit", class: "lc-btn lc-btn--primary", text: word("invite") });
    const form = h("form", {}, [input, invite]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (input.value.trim()) actions.onInvite(input.value.trim());
    });
    parts.push(h("h3", { text: word("proactive_chat") }), form);
  }
  const minutes = h("select", { class: "lc-select", "aria-label": word("block_for") }, [
    h("option", { value: "60", text: word("block_hour") }),
    h("option", { value: "1440", text: word("block_day") }),
    h("option", { value: "10080", text: word("block_week") }),
    h("option", { value: "43200", text: word("block_month") }),
  ]);
  const block = h("button", { type: "button", class: "lc-btn lc-btn--secondary", text: word("block_visitor") });
  block.addEventListener("click", () => {
    actions.confirm(word("block_title"), word("block_text"), word("block")).then((yes) => {
      if (yes) actions.onBlock(Number(minutes.value));
    });
  });
  parts.push(h("h3", { text: word("moderation") }), h("div", { class: "lc-inline" }, [minutes, block]));
  container.replaceChildren(...parts);
}
