// The actions in the thread's header: Claim and Close (or Reopen) at hand, the rest (transfer with a note,
// tags, email the transcript) behind "More actions", a popover that closes on Escape, on a click outside and
// after an action went through. `deps.act(event, payload, failure, onOk)` sends one action.
import { h } from "../shared/dom.js";
import { word } from "./words.js";

/**
 * @typedef {object} ThreadActionDeps
 * @property {(event: string, payload: object, failure: string, onOk?: (ack: import("../shared/ack.js").Ack) => void) => Promise<unknown>} act
 * @property {(text: string) => void} showInfo
 * @property {() => LiveChatConversation | null | undefined} selected
 * @property {() => { id: string | null, role: string }} me
 * @property {() => LiveChatAgent[]} agents
 * @property {(conversation: LiveChatConversation) => string | null} emailOf the visitor's known address
 */

export class ThreadActions {
  /**
   * @param {Record<string, any>} ui the console's elements by name (console.js findUi)
   * @param {ThreadActionDeps} deps
   */
  constructor(ui, deps) {
    this.ui = ui;
    this.deps = deps;
    /** @param {(conversation: LiveChatConversation) => void} handler */
    const onSelected = (handler) => () => {
      const conversation = deps.selected();
      if (conversation) handler(conversation);
    };
    ui.more.addEventListener("click", () => this.setMenu(ui.moreMenu.hidden));
    ui.moreMenu.addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
      if (event.key === "Escape") {
        this.setMenu(false);
        ui.more.focus();
      }
    });
    document.addEventListener("pointerdown", (event) => {
      const target = /** @type {Node} */ (event.target);
      if (!ui.moreMenu.hidden && !ui.moreMenu.contains(target) && !ui.more.contains(target)) this.setMenu(false);
    });
    ui.claim.addEventListener("click", onSelected((c) => deps.act("claim_conversation", { conversation_id: c.id }, word("claim_failed"))));
    ui.close.addEventListener("click", onSelected((c) => deps.act("close_conversation", { conversation_id: c.id }, word("close_failed"))));
    const reopen = onSelected((c) => deps.act("reopen_conversation", { conversation_id: c.id }, word("reopen_failed")));
    ui.reopen.addEventListener("click", reopen);
    ui.closedReopen.addEventListener("click", reopen);
    ui.transfer.addEventListener("click", onSelected((c) => this.transfer(c)));
    ui.email.addEventListener(
      "click",
      onSelected((c) =>
        deps.act("email_transcript", { conversation_id: c.id }, word("email_failed"), (ack) => {
          this.setMenu(false);
          deps.showInfo(word("transcript_sent", { email: ack.mail.recipient }));
        }),
      ),
    );
    ui.saveTags.addEventListener(
      "click",
      onSelected((c) => {
        const tags = ui.tags.value.split(",").map((/** @type {string} */ t) => t.trim()).filter(Boolean);
        deps.act("set_tags", { conversation_id: c.id, tags }, word("tags_failed"), () => {
          this.setMenu(false);
          deps.showInfo(word("tags_saved"));
        });
      }),
    );
  }

  // A conversation someone holds is transferred (by its holder or an admin); otherwise it is assigned.
  /** @param {LiveChatConversation} conversation */
  transfer(conversation) {
    const ui = this.ui;
    if (!ui.transferTo.value) return;
    const me = this.deps.me();
    const mine = conversation.assigned_agent_id === me.id || me.role === "admin";
    const event = conversation.assigned_agent_id != null && mine ? "transfer_conversation" : "assign_conversation";
    const payload = { conversation_id: conversation.id, agent_id: ui.transferTo.value, note: ui.transferNote.value.trim() || null };
    this.deps.act(event, payload, word("handover_failed"), () => {
      ui.transferNote.value = "";
      this.setMenu(false);
      this.deps.showInfo(word("handed_over"));
    });
  }

  /** @param {boolean} open */
  setMenu(open) {
    this.ui.moreMenu.hidden = !open;
    this.ui.more.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) this.ui.transferTo.focus();
  }

  /** @param {LiveChatConversation | null | undefined} conversation */
  render(conversation) {
    const ui = this.ui;
    ui.actions.hidden = !conversation;
    if (!conversation) {
      this.setMenu(false);
      return;
    }
    const closed = conversation.status === "closed";
    ui.claim.hidden = closed || conversation.assigned_agent_id != null;
    ui.close.hidden = closed;
    ui.reopen.hidden = !closed;
    // Only a visitor whose address we know can be sent the transcript: say so rather than fail.
    const email = this.deps.emailOf(conversation);
    ui.email.disabled = !email;
    ui.email.title = email ? word("send_transcript_to", { email }) : word("no_email");
    ui.emailHint.textContent = email ? word("to_email", { email }) : word("no_email");
    const current = ui.transferTo.value;
    const targets = this.deps.agents().filter((a) => a.id !== conversation.assigned_agent_id);
    ui.transferTo.replaceChildren(...targets.map((a) => h("option", { value: a.id, text: a.name + (a.status === "away" ? " (away)" : "") })));
    if (targets.some((a) => a.id === current)) ui.transferTo.value = current;
    ui.transfer.disabled = targets.length === 0;
    if (document.activeElement !== ui.tags) ui.tags.value = (conversation.tags || []).join(", ");
  }
}
