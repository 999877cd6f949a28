// Agent console: conversations and visitors (two tabs) on the left, the selected thread in the middle with
// its notes inline and the composer pinned under it, the visitor's context on the right (collapsible), and a
// history view. On a phone one of them at a time, with Back. Works under a strict CSP (script-src 'self'
// 'nonce-…'): no inline handlers, no eval, no HTML strings; all text goes in through textContent.
import { io } from "socket.io-client";
import { errorText, request } from "./shared/ack.js";
import { h } from "./shared/dom.js";
import { newClientId } from "./shared/ids.js";
import { GapFiller } from "./shared/gaps.js";
import { MessageStore } from "./shared/messages.js";
import { Outbox } from "./shared/outbox.js";
import { Store } from "./shared/store.js";
import { ThreadView } from "./shared/thread-view.js";
import { TypingSignal } from "./shared/typing.js";
import { Attention } from "./console/attention.js";
import { attachmentBody, setupAttach } from "./console/attach.js";
import { CannedPicker } from "./console/canned.js";
import { ConversationList, applyConversation, visibleConversations } from "./console/conversation-list.js";
import { answersOf, avatarClass, chatNumberText, describe, initials, preview, statusText, visitorLabel } from "./console/format.js";
import { setupHistory } from "./console/history.js";
import { ThreadActions } from "./console/thread-actions.js";
import { VisitorList, VisitorPanel, answersList, upsertVisitor } from "./console/visitors.js";
import { allWords, word } from "./console/words.js";

// The layout's breakpoints (console.html): a phone shows one pane; below "wide" the details are a drawer.
const PHONE = window.matchMedia("(max-width: 760px)");
const WIDE = window.matchMedia("(min-width: 1100px)");

const root = document.getElementById("livechat-console");
// The thread view's words in the agent's language too (console.html data-words: "Agent", "Sending…", system lines).
const THREAD_STRINGS = allWords();
if (root) start(root);

// The page markup lives in templates/livechat/agent/console.html; these ids are the contract.
// The elements are of several kinds (inputs, selects, buttons), so they are typed `any` by name.
/** @returns {Record<string, any>} */
function findUi() {
  const byId = (/** @type {string} */ id) => {
    const el = document.getElementById(id);
    if (!el) throw new Error("livechat console: missing #" + id);
    return el;
  };
  const ids = {
    connection: "lc-connection", presence: "lc-presence", notify: "lc-notify", agents: "lc-agents",
    list: "lc-conversations", empty: "lc-empty", filter: "lc-filter",
    visitors: "lc-visitors", visitorsEmpty: "lc-visitors-empty",
    viewChats: "lc-view-chats", viewHistory: "lc-view-history", chatView: "lc-chat-view", historyView: "lc-history-view",
    title: "lc-thread-title", details: "lc-thread-details", status: "lc-thread-status", viewers: "lc-viewers",
    typing: "lc-typing", actions: "lc-actions", claim: "lc-claim", transferTo: "lc-transfer-to",
    transferNote: "lc-transfer-note", transfer: "lc-transfer", close: "lc-close", reopen: "lc-reopen",
    email: "lc-email", tags: "lc-tags", saveTags: "lc-save-tags",
    log: "lc-log", error: "lc-error", info: "lc-info", canned: "lc-canned",
    form: "lc-reply-form", reply: "lc-reply", asNote: "lc-as-note", asReply: "lc-as-reply", send: "lc-send", modeHint: "lc-mode-hint",
    tabConversations: "lc-tab-conversations", tabVisitors: "lc-tab-visitors",
    conversationsPanel: "lc-conversations-panel", visitorsPanel: "lc-visitors-panel",
    countConversations: "lc-count-conversations", countVisitors: "lc-count-visitors",
    back: "lc-back", avatar: "lc-thread-avatar", more: "lc-more", moreMenu: "lc-more-menu", emailHint: "lc-email-hint",
    detailsToggle: "lc-details-toggle", panelBack: "lc-panel-back", panelClose: "lc-panel-close",
    confirm: "lc-confirm", confirmTitle: "lc-confirm-title", confirmText: "lc-confirm-text",
    confirmOk: "lc-confirm-ok", confirmCancel: "lc-confirm-cancel",
    panel: "lc-visitor-details",
    searchForm: "lc-search-form", searchQuery: "lc-search-query", searchFrom: "lc-search-from", searchTo: "lc-search-to",
    searchAgent: "lc-search-agent", searchTag: "lc-search-tag", searchStatus: "lc-search-status",
    results: "lc-results", transcript: "lc-transcript",
    closed: "lc-closed", closedReopen: "lc-closed-reopen", answersCard: "lc-answers-card", previous: "lc-previous",
  };
  /** @type {Record<string, any>} */
  const ui = {};
  for (const [key, id] of Object.entries(ids)) ui[key] = byId(id);
  return ui;
}

/**
 * Everything the console knows, in one object; render() draws it. Changed only through store.update();
 * Maps and Sets are changed in place and then named in the patch.
 * @typedef {object} ConsoleState
 * @property {Map<string, any>} conversations id -> conversation (open and closed ones we have seen)
 * @property {Set<string>} unread ids with visitor messages the agent has not looked at
 * @property {Map<string, MessageStore>} threads conversation id -> its messages
 * @property {Map<string, Map<string, any>>} notes conversation id -> (note id -> note)
 * @property {Map<string, string>} drafts conversation id -> unsent reply text
 * @property {Map<string, { id: string, name: string }[]>} viewers conversation id -> other agents looking
 * @property {Map<string, boolean>} typing conversation id -> the visitor is typing
 * @property {Map<string, number>} readUpTo conversation id -> highest seq the visitor has seen
 * @property {Map<string, number>} readSent conversation id -> highest visitor seq we told the server we saw
 * @property {Map<string, any>} visitors id -> live visitor
 * @property {{ id: string | null, name: string, role: string }} me
 * @property {{ id: string, name: string, status: string }[]} agents online or away
 * @property {string | null} selectedId the conversation on screen
 * @property {string | null} panelVisitorId the visitor in the side panel
 * @property {"chats" | "history"} view
 * @property {"conversations" | "visitors"} tab the sidebar's tab
 * @property {"list" | "thread" | "details"} pane what a phone shows (one at a time)
 * @property {boolean} detailsOpen the details panel is shown (a column at a desk, a drawer below WIDE)
 * @property {"reply" | "note"} mode what the composer writes
 * @property {string} filter the list's filter: "all", "queue" or "mine"
 * @property {{ state: string, text: string }} connection
 * @property {string} error
 * @property {string} info
 * @property {number} now the clock for "Seen …" and local times (moved on every minute)
 */

/** @param {HTMLElement} rootEl */
function start(rootEl) {
  const ui = findUi();
  const path = rootEl.getAttribute("data-socketio-path") || "/socket.io";
  const socket = io(location.origin + "/livechat-agent", { path });
  const outbox = new Outbox(socket, onSendAck);
  const view = new ThreadView(ui.log, { ownSender: "agent", decorate, renderBody: attachmentBody, strings: THREAD_STRINGS });
  const attention = new Attention(ui.notify);
  const canned = new CannedPicker(ui.reply, ui.canned);
  const visitorList = new VisitorList(ui.visitors, ui.visitorsEmpty, (id) => {
    showVisitor(id);
    store.update({ detailsOpen: true, pane: "details" });
  });
  const list = new ConversationList(ui.list, ui.empty, (id) => select(id));

  /** @type {Store<ConsoleState>} */
  const store = new Store(
    /** @type {ConsoleState} */ ({
      conversations: new Map(),
      unread: new Set(),
      threads: new Map(),
      notes: new Map(),
      drafts: new Map(),
      viewers: new Map(),
      typing: new Map(),
      readUpTo: new Map(),
      readSent: new Map(),
      visitors: new Map(),
      me: { id: null, name: "", role: "agent" },
      agents: [],
      selectedId: null,
      panelVisitorId: null,
      view: "chats",
      tab: "conversations",
      pane: "list",
      detailsOpen: WIDE.matches,
      mode: "reply",
      filter: ui.filter.value,
      connection: { state: "connecting", text: word("connecting") },
      error: "",
      info: "",
      now: Date.now(),
    }),
    render,
  );
  const state = store.state;
  const attach = setupAttach(rootEl, ui.reply, {
    conversation: () => state.selectedId,
    pending: (id, clientId, text) => {
      threadFor(id).addPending(clientId, text);
      store.update({ threads, error: "" }, { scrollToEnd: true });
    },
    done: (id, clientId, ack) => {
      if (ack.ok) addMessage(ack.message);
      threadFor(id).removePending(clientId);
      store.update(ack.ok ? { threads } : { threads, error: errorText(ack, word("file_failed")) });
    },
  });

  const { conversations, unread, threads, notes, drafts, viewers, typing, readUpTo, readSent, visitors } = state;
  let helloDone = false; // the first hello's list is the starting point, later ones are news
  /** @type {{ open: (id: string) => void } | null} */
  let history = null;

  const gaps = new GapFiller({
    fetch: (id, afterSeq) => request(socket, "fetch_messages", { conversation_id: id, after_seq: afterSeq }),
    receive: (fetched, id) => {
      for (const message of fetched) threadFor(id).add(message);
      store.update({ threads });
    },
    ready: () => socket.connected,
  });
  const typingSignal = new TypingSignal((isTyping) => {
    if (state.selectedId == null || !socket.connected) return;
    socket.emit("typing", { conversation_id: state.selectedId, typing: isTyping }, () => {});
  });

  /** @param {string} id */
  function threadFor(id) {
    let thread = threads.get(id);
    if (!thread) threads.set(id, (thread = new MessageStore("agent")));
    return thread;
  }

  /** @param {string} id */
  function notesFor(id) {
    let map = notes.get(id);
    if (!map) notes.set(id, (map = new Map()));
    return map;
  }

  // Adds a message of ours or the server's to its thread (and to gap filling); true if it was new.
  /** @param {any} message from the server (the store refuses one that is not a message) */
  function addMessage(message) {
    if (!message || message.conversation_id == null) return false;
    const added = threadFor(message.conversation_id).add(message);
    gaps.note(message);
    return added;
  }

  // --- rendering: the one place that writes state to the page ---------------------------------

  /** @type {string | null} */
  let shownThread = null; // the conversation whose messages are in the log

  /** @type {import("./shared/store.js").Render<ConsoleState>} */
  function render(s, changed, hints) {
    const selected = s.selectedId == null ? null : s.conversations.get(s.selectedId);
    ui.connection.setAttribute("data-state", s.connection.state);
    ui.connection.textContent = s.connection.text;
    ui.error.textContent = s.error;
    ui.info.textContent = s.info;
    const history = s.view === "history";
    ui.chatView.hidden = history;
    ui.historyView.hidden = !history;
    ui.viewChats.setAttribute("aria-pressed", history ? "false" : "true");
    ui.viewHistory.setAttribute("aria-pressed", history ? "true" : "false");
    renderLayout(s);
    const listView = { filter: s.filter, selectedId: s.selectedId, meId: s.me.id, visitors: s.visitors };
    list.render(s.conversations, s.unread, listView);
    ui.countConversations.textContent = String(visibleConversations(s.conversations, listView).length || "");
    let online = 0;
    for (const v of s.visitors.values()) if (v.online) online += 1;
    ui.countVisitors.textContent = online ? String(online) : "";
    attention.setUnread(s.unread.size);
    if (changed.has("agents") || changed.has("me")) renderAgents(s);
    if (changed.has("visitors") || changed.has("panelVisitorId")) visitorList.render(s.visitors, s.panelVisitorId);
    if (["visitors", "panelVisitorId", "conversations", "now"].some((key) => changed.has(key))) {
      const visitor = s.panelVisitorId == null ? null : s.visitors.get(s.panelVisitorId) || null;
      panel.render(visitor, { canInvite: visitor != null && !openConversationOf(visitor.id), force: changed.has("panelVisitorId") });
    }
    // A closed chat cannot be written to by mistake: the composer is off and says why, with Reopen at hand.
    const closed = Boolean(selected && selected.status === "closed");
    const off = s.selectedId == null || closed;
    for (const control of [ui.reply, ui.send, ui.asNote, ui.asReply]) control.disabled = off;
    // A note looks like one before it is written: the note colours, its own words, its own button.
    const note = s.mode === "note";
    ui.form.setAttribute("data-mode", s.mode);
    ui.asNote.checked = note;
    ui.asReply.checked = !note;
    ui.reply.placeholder = closed ? word("chat_closed") : note ? word("note_placeholder") : word("reply_placeholder");
    ui.send.textContent = note ? word("add_note") : word("send");
    attach.setEnabled(!off && !note); // files go to the visitor: not in note mode
    ui.modeHint.textContent = note ? word("note_hint") : word("reply_hint");
    ui.closed.hidden = !closed;
    if (s.selectedId == null) {
      ui.answersCard.hidden = true;
      ui.previous.hidden = true;
      return;
    }
    if (shownThread !== s.selectedId) {
      view.clear();
      shownThread = s.selectedId;
    }
    const live = selected && selected.visitor ? s.visitors.get(selected.visitor.id) : null;
    ui.title.textContent = selected ? visitorLabel(selected.visitor, live) : word("conversation");
    ui.avatar.textContent = selected ? initials(selected.visitor) : "";
    ui.avatar.className = avatarClass(selected && selected.visitor && selected.visitor.id);
    const number = selected ? chatNumberText(selected) : "";
    const left = selected && selected.left_message ? word("left_message_offline") : "";
    ui.details.textContent = selected ? [describe(selected), number, left].filter(Boolean).join(" \u00b7 ") : "";
    renderVisitorCards(s, selected);
    ui.status.textContent = selected ? statusText(selected, s.me.id) : "";
    const others = (s.viewers.get(s.selectedId) || []).filter((v) => v.id !== s.me.id).map((v) => v.name);
    ui.viewers.textContent = others.length ? word("also_viewing", { names: others.join(", ") }) : "";
    const thread = threadFor(s.selectedId);
    const seen = s.readUpTo.get(s.selectedId) || 0;
    const lastOwn = thread.lastSeqFrom("agent");
    if (s.typing.get(s.selectedId)) ui.typing.textContent = word("visitor_typing");
    else if (lastOwn && seen >= lastOwn) ui.typing.textContent = word("seen_by_visitor");
    else ui.typing.textContent = "";
    actions.render(selected);
    view.render(withNotes(thread.entries(), notesFor(s.selectedId)), { scrollToEnd: hints.scrollToEnd });
    if (hints.focusComposer) ui.reply.focus();
    syncReadMark(s);
  }

  // Over the thread: what the visitor answered before the chat, and a way to the visitor's previous chat.
  /**
   * @param {ConsoleState} s
   * @param {LiveChatConversation | null | undefined} selected
   */
  function renderVisitorCards(s, selected) {
    const visitor = selected && selected.visitor ? s.visitors.get(selected.visitor.id) : null;
    const answers = answersOf(visitor);
    ui.answersCard.hidden = answers.length === 0;
    if (answers.length) ui.answersCard.replaceChildren(h("h3", { text: word("prechat_answers") }), answersList(answers));
    const earlier = previousConversation(visitor, selected);
    ui.previous.hidden = !earlier;
    ui.previous.setAttribute("data-conversation-id", earlier ? earlier.id : "");
  }

  /**
   * The visitor's latest conversation before this one (the details panel lists them), or null.
   * @param {LiveChatVisitor | null | undefined} visitor
   * @param {LiveChatConversation | null | undefined} current
   */
  function previousConversation(visitor, current) {
    if (!visitor || !current || !Array.isArray(visitor.conversations)) return null;
    const before = visitor.conversations.filter((c) => c.id !== current.id && (!current.created_at || (c.created_at || "") < current.created_at));
    before.sort((a, b) => ((a.created_at || "") < (b.created_at || "") ? 1 : -1));
    return before[0] || null;
  }

  ui.previous.addEventListener("click", () => {
    const id = ui.previous.getAttribute("data-conversation-id");
    if (!id || !history) return;
    store.update({ view: "history" });
    history.open(id);
  });

  // The page's layout state, as attributes the stylesheet reads (console.html): which view, which pane on a
  // phone, whether a conversation is open, whether the details panel is; and the sidebar's tabs.
  /** @param {ConsoleState} s */
  function renderLayout(s) {
    rootEl.setAttribute("data-view", s.view);
    rootEl.setAttribute("data-pane", s.pane);
    rootEl.setAttribute("data-selected", s.selectedId == null ? "none" : "some");
    rootEl.setAttribute("data-details", s.detailsOpen ? "open" : "closed");
    ui.detailsToggle.setAttribute("aria-expanded", s.detailsOpen ? "true" : "false");
    const onVisitors = s.tab === "visitors";
    ui.tabConversations.setAttribute("aria-selected", onVisitors ? "false" : "true");
    ui.tabVisitors.setAttribute("aria-selected", onVisitors ? "true" : "false");
    ui.tabConversations.tabIndex = onVisitors ? -1 : 0;
    ui.tabVisitors.tabIndex = onVisitors ? 0 : -1;
    ui.conversationsPanel.hidden = onVisitors;
    ui.visitorsPanel.hidden = !onVisitors;
  }

  // Notes go into the thread where they were written (by time), as entries the decorator marks as notes.
  /**
   * @param {import("./shared/messages.js").Entry[]} entries
   * @param {Map<string, any>} noteMap
   * @returns {import("./shared/messages.js").Entry[]}
   */
  function withNotes(entries, noteMap) {
    if (!noteMap.size) return entries;
    const sorted = Array.from(noteMap.values()).sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
    const out = [];
    let i = 0;
    for (const entry of entries) {
      const at = entry.pending ? null : entry.message.created_at || "";
      while (i < sorted.length && (at == null || sorted[i].created_at < at)) out.push(noteEntry(sorted[i++]));
      out.push(entry);
    }
    while (i < sorted.length) out.push(noteEntry(sorted[i++]));
    return out;
  }

  /** @param {any} note */
  function noteEntry(note) {
    const message = { id: note.id, conversation_id: note.conversation_id, sender: "note", author: note.author, body: note.body, created_at: note.created_at };
    return /** @type {import("./shared/messages.js").Entry} */ ({ key: "note:" + note.id, message, pending: false });
  }

  /** @param {ConsoleState} s */
  function renderAgents(s) {
    const mine = s.agents.find((a) => a.id === s.me.id);
    if (mine && document.activeElement !== ui.presence) ui.presence.value = mine.status;
    ui.agents.textContent = s.agents.length
      ? word("agents_list", { names: s.agents.map((a) => word(a.status === "away" ? "agent_away" : "agent_online", { name: a.name })).join(", ") })
      : "";
    const current = ui.searchAgent.value;
    ui.searchAgent.replaceChildren(h("option", { value: "", text: word("anyone") }), ...s.agents.map((a) => h("option", { value: a.id, text: a.name })));
    ui.searchAgent.value = s.agents.some((a) => a.id === current) ? current : "";
  }

  // While the agent looks at a thread, the visitor's messages in it are read: tell the server once.
  /** @param {ConsoleState} s */
  function syncReadMark(s) {
    if (s.selectedId == null || !socket.connected || document.visibilityState !== "visible") return;
    const seq = threadFor(s.selectedId).lastSeqFrom("visitor");
    if (!seq || seq <= (s.readSent.get(s.selectedId) || 0)) return;
    readSent.set(s.selectedId, seq);
    store.update({ readSent });
    socket.emit("mark_read", { conversation_id: s.selectedId, seq }, () => {});
  }

  // Marks notes as notes; gives each visitor and agent message a "Message actions" menu (Delete, after a
  // confirmation: it is removed for everyone).
  /**
   * @param {HTMLElement} node
   * @param {import("./shared/messages.js").Entry} entry
   */
  function decorate(node, entry) {
    const m = entry.message;
    if (m.sender === "note") {
      node.className = "lc-msg lc-msg--note";
      node.prepend(h("span", { class: "lc-msg-author", text: word("internal_note_by", { name: m.author || word("agent") }) }));
      return;
    }
    if (entry.pending || (m.sender !== "visitor" && m.sender !== "agent")) return;
    const more = h("button", { type: "button", class: "lc-msg-more", "aria-label": word("message_actions"), "aria-haspopup": "menu", "aria-expanded": "false" }, [
      h("span", { class: "lc-dots", "aria-hidden": "true" }),
    ]);
    const meta = node.querySelector(".lc-msg-meta");
    node.append(h("div", { class: "lc-msg-foot" }, [meta, more]));
    more.addEventListener("click", () => {
      const open = messageMenu && messageMenu.button === more;
      closeMessageMenu();
      if (!open) openMessageMenu(node, more, m);
    });
  }

  /** @type {{ menu: HTMLElement, button: HTMLElement } | null} */
  let messageMenu = null;

  /**
   * @param {HTMLElement} node
   * @param {HTMLElement} button
   * @param {any} m the message
   */
  function openMessageMenu(node, button, m) {
    const remove = h("button", { type: "button", role: "menuitem", text: word("delete_message") });
    const menu = h("div", { class: "lc-msg-menu", role: "menu", "aria-label": word("message_actions") }, [remove]);
    remove.addEventListener("click", () => {
      closeMessageMenu();
      confirmAction(word("delete_message_title"), word("delete_message_text"), word("delete")).then((yes) => {
        if (yes) act("delete_message", { conversation_id: m.conversation_id, message_id: m.id }, word("delete_message_failed"));
        else button.focus();
      });
    });
    menu.addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
      if (event.key === "Escape") {
        closeMessageMenu();
        button.focus();
      }
    });
    node.append(menu);
    button.setAttribute("aria-expanded", "true");
    messageMenu = { menu, button };
    remove.focus();
  }

  function closeMessageMenu() {
    if (!messageMenu) return;
    messageMenu.menu.remove();
    messageMenu.button.setAttribute("aria-expanded", "false");
    messageMenu = null;
  }

  document.addEventListener("pointerdown", (event) => {
    const target = /** @type {Node} */ (event.target);
    if (messageMenu && !messageMenu.menu.contains(target) && !messageMenu.button.contains(target)) closeMessageMenu();
  });

  // A styled confirmation (a modal <dialog>) for what cannot be undone; Cancel has the focus first.
  /**
   * @param {string} title
   * @param {string} text
   * @param {string} action the confirming button's words ("Delete", "Block")
   * @returns {Promise<boolean>}
   */
  function confirmAction(title, text, action) {
    ui.confirmTitle.textContent = title;
    ui.confirmText.textContent = text;
    ui.confirmOk.textContent = action;
    ui.confirm.returnValue = "";
    ui.confirm.showModal();
    ui.confirmCancel.focus();
    return new Promise((resolve) => {
      ui.confirm.addEventListener("close", () => resolve(ui.confirm.returnValue === "ok"), { once: true });
    });
  }
  ui.confirmOk.addEventListener("click", () => ui.confirm.close("ok"));
  ui.confirmCancel.addEventListener("click", () => ui.confirm.close("cancel"));

  // --- conversation list -----------------------------------------------------------------

  // Applies a conversation from the server; a visitor's new message is news (sound, notification,
  // unread count) unless the agent is looking at it. `isNews` is off for the first list.
  /**
   * @param {LiveChatConversation} conversation
   * @param {boolean} [isNews]
   */
  function upsertConversation(conversation, isNews = true) {
    const before = conversation && conversations.get(conversation.id);
    const change = applyConversation(conversations, conversation);
    if (change && change.missing) {
      // A message in a conversation this console has not listed: ask for its whole summary.
      socket.emit("fetch_conversation", { conversation_id: conversation.id }, (/** @type {any} */ ack) => {
        if (ack && ack.ok) upsertConversation(ack.conversation, isNews);
      });
      return;
    }
    if (change) conversation = conversations.get(conversation.id) || conversation;
    store.update({ conversations });
    // Closed or reopened: the details panel's list of the visitor's conversations is out of date.
    const visitorId = conversation && conversation.visitor && conversation.visitor.id;
    if (change && before && visitorId && before.status !== conversation.status && visitorId === state.panelVisitorId) showVisitor(visitorId);
    if (!change || !isNews || !change.grew || !change.fromVisitor) return;
    const looking = conversation.id === state.selectedId && document.visibilityState === "visible" && document.hasFocus();
    if (conversation.id !== state.selectedId) {
      unread.add(conversation.id);
      store.update({ unread });
    }
    if (!looking) {
      const who = visitorLabel(conversation.visitor);
      attention.alert(word(change.known ? "new_message_from" : "new_conversation", { name: who }), preview(conversation.last_message), conversation.id, () => select(conversation.id));
    }
  }

  /** @param {string} visitorId */
  function openConversationOf(visitorId) {
    for (const c of conversations.values()) {
      if (c.status === "open" && c.visitor && c.visitor.id === visitorId) return c;
    }
    return null;
  }

  ui.filter.addEventListener("change", () => store.update({ filter: ui.filter.value }));

  // --- thread ----------------------------------------------------------------------------

  /** @param {string} id */
  function select(id) {
    if (id !== state.selectedId) {
      if (state.selectedId != null) {
        drafts.set(state.selectedId, ui.reply.value);
        typingSignal.stop();
      }
      ui.reply.value = drafts.get(id) || "";
      canned.update();
      // Feedback belongs to the conversation it was about: a new one starts with none.
      store.update({ selectedId: id, drafts, error: "", info: "" });
    }
    unread.delete(id);
    // On a phone the thread replaces the list; below WIDE the details drawer would cover the thread.
    const detailsOpen = WIDE.matches ? state.detailsOpen : false;
    store.update({ view: "chats", unread, pane: "thread", detailsOpen }, { scrollToEnd: true, focusComposer: !PHONE.matches });
    if (socket.connected) join(id);
  }

  // Joining returns the full history and notes, and subscribes this connection to the thread.
  /** @param {string} id */
  function join(id) {
    request(socket, "join_conversation", { conversation_id: id }).then((ack) => {
      if (!ack.ok) {
        if (id === state.selectedId) store.update({ error: errorText(ack, word("open_failed")) });
        return;
      }
      upsertConversation(ack.conversation, false);
      const thread = threadFor(id);
      for (const message of ack.messages || []) thread.add(message);
      // The full history is here: from now on a skipped seq is a lost broadcast.
      gaps.watch(id, thread.lastSeq());
      const noteMap = notesFor(id);
      for (const note of ack.notes || []) noteMap.set(note.id, note);
      viewers.set(id, ack.viewers || []);
      store.update({ threads, notes, viewers });
      const visitor = ack.conversation && ack.conversation.visitor;
      if (id === state.selectedId && visitor && visitor.id !== state.panelVisitorId) showVisitor(visitor.id);
    });
  }

  // Sends one conversation action; the server's conversation_updated refreshes the views.
  /**
   * @param {string} event
   * @param {object} payload
   * @param {string} failure what to say when the server gives no reason
   * @param {(ack: import("./shared/ack.js").Ack) => void} [onOk]
   */
  function act(event, payload, failure, onOk) {
    const about = state.selectedId; // its answer is feedback about this conversation only
    store.update({ error: "", info: "" });
    return request(socket, event, payload).then((ack) => {
      const current = state.selectedId === about;
      if (!ack.ok) {
        if (current) store.update({ error: errorText(ack, failure) });
        return ack;
      }
      if (ack.conversation) upsertConversation(ack.conversation, false);
      actingFor = about;
      try {
        if (onOk) onOk(ack);
      } finally {
        actingFor = undefined;
      }
      return ack;
    });
  }

  /** @type {string | null | undefined} while an action's answer is handled: the conversation it was about */
  let actingFor;
  // An action's "Handed over." is not said once the agent is looking at another conversation.
  const showInfo = (/** @type {string} */ text) => {
    if (actingFor === undefined || actingFor === state.selectedId) store.update({ info: text });
  };
  const showError = (/** @type {string} */ text) => store.update({ error: text });

  // Claim, transfer, close/reopen, email, tags: the toolbar over the thread.
  const actions = new ThreadActions(ui, {
    act,
    showInfo,
    selected: () => (state.selectedId == null ? null : conversations.get(state.selectedId)),
    me: () => state.me,
    agents: () => state.agents,
    // The list's copy may predate the pre-chat form; the details the console fetched are newer.
    emailOf: (c) => {
      const id = c.visitor && c.visitor.id;
      const details = id ? visitors.get(id) : null;
      return (c.visitor && c.visitor.email) || (details && details.email) || null;
    },
  });

  function submit() {
    const body = ui.reply.value.trim();
    const id = state.selectedId;
    if (!body || id == null) return;
    const clientId = newClientId();
    if (state.mode === "note") {
      ui.reply.value = "";
      store.update({ error: "" });
      request(socket, "add_note", { conversation_id: id, client_id: clientId, body }).then((ack) => {
        if (!ack.ok) {
          store.update({ error: errorText(ack, word("note_failed")) });
          restoreDraft(id, body);
          return;
        }
        notesFor(id).set(ack.note.id, ack.note);
        store.update({ notes });
      });
      return;
    }
    typingSignal.stop();
    threadFor(id).addPending(clientId, body);
    outbox.send({ conversation_id: id, client_id: clientId, body });
    ui.reply.value = "";
    store.update({ threads, error: "" }, { scrollToEnd: true });
  }

  /**
   * @param {import("./shared/outbox.js").OutboxPayload} payload
   * @param {import("./shared/ack.js").Ack} ack
   */
  function onSendAck(payload, ack) {
    const id = /** @type {string} */ (payload.conversation_id); // the console always sends one
    if (ack.ok) addMessage(ack.message);
    threadFor(id).removePending(payload.client_id);
    if (!ack.ok) {
      store.update({ error: errorText(ack, word("reply_failed")) });
      restoreDraft(id, payload.body);
    }
    store.update({ threads });
  }

  // Nothing was stored on an error ack: put the text back into that conversation's reply box.
  /**
   * @param {string} id
   * @param {string} body
   */
  function restoreDraft(id, body) {
    const current = id === state.selectedId ? ui.reply.value : drafts.get(id) || "";
    const text = current.trim() ? body + "\n" + current : body;
    if (id === state.selectedId) ui.reply.value = text;
    else store.update({ drafts: drafts.set(id, text) });
  }

  ui.form.addEventListener("submit", (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    submit();
    ui.reply.focus();
  });
  ui.reply.addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  ui.reply.addEventListener("input", () => {
    if (state.mode === "note") return;
    if (ui.reply.value.trim()) typingSignal.input();
    else typingSignal.stop();
  });
  ui.reply.addEventListener("blur", () => typingSignal.stop());

  // --- visitors --------------------------------------------------------------------------

  const panel = new VisitorPanel(ui.panel, socket, {
    onInvited(ack) {
      upsertConversation(ack.conversation, false);
      addMessage(ack.message);
      showInfo(word("invitation_sent"));
      select(ack.conversation.id);
    },
    showInfo,
    showError,
    confirm: confirmAction,
  });

  // Shows a visitor in the side panel, and asks for their full details (pages, earlier conversations).
  /** @param {string} id */
  function showVisitor(id) {
    store.update({ panelVisitorId: id });
    request(socket, "visitor_details", { visitor_id: id }).then((ack) => {
      if (!ack.ok) return;
      upsertVisitor(visitors, ack.visitor);
      store.update({ visitors });
    });
  }

  // --- presence --------------------------------------------------------------------------

  ui.presence.addEventListener("change", () => {
    request(socket, "set_presence", { status: ui.presence.value }).then((ack) => {
      if (!ack.ok) store.update({ error: errorText(ack, word("status_failed")) });
    });
  });

  // --- views -----------------------------------------------------------------------------

  ui.viewChats.addEventListener("click", () => store.update({ view: "chats" }));
  ui.viewHistory.addEventListener("click", () => store.update({ view: "history" }));

  // --- layout: tabs, panes, the details panel, the composer's mode ---------------------------

  const tabs = [ui.tabConversations, ui.tabVisitors];
  const tabNames = /** @type {const} */ (["conversations", "visitors"]);
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => store.update({ tab: tabNames[index] }));
    // Arrow keys move between the tabs (the ARIA tabs pattern); Tab goes on into the panel.
    tab.addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      event.preventDefault();
      const next = (index + 1) % tabs.length;
      store.update({ tab: tabNames[next] });
      tabs[next].focus();
    });
  });
  ui.back.addEventListener("click", () => store.update({ pane: "list" }));
  ui.detailsToggle.addEventListener("click", () => {
    if (PHONE.matches) store.update({ pane: "details", detailsOpen: true });
    else store.update({ detailsOpen: !state.detailsOpen });
  });
  ui.panelClose.addEventListener("click", () => {
    store.update({ detailsOpen: false });
    if (state.selectedId != null) ui.detailsToggle.focus();
  });
  ui.panelBack.addEventListener("click", () => store.update({ pane: state.selectedId == null ? "list" : "thread" }));
  WIDE.addEventListener("change", (event) => store.update({ detailsOpen: event.matches }));
  for (const radio of [ui.asReply, ui.asNote]) {
    radio.addEventListener("change", () => {
      if (radio.checked) store.update({ mode: radio === ui.asNote ? "note" : "reply" });
      typingSignal.stop();
      ui.reply.focus();
    });
  }

  // --- connection ------------------------------------------------------------------------

  function hello() {
    const knownBefore = new Set(conversations.keys());
    request(socket, "hello", {}).then((ack) => {
      if (!ack.ok) {
        store.update({ connection: { state: "error", text: errorText(ack, word("load_failed")) } });
        return;
      }
      const me = ack.agent || state.me;
      store.update({ me });
      if (!history) history = setupHistory(ui, socket, me.id);
      const listed = new Set();
      for (const conversation of ack.conversations || []) {
        upsertConversation(conversation, helloDone);
        listed.add(conversation.id);
      }
      // hello lists every open conversation, so one we knew that is missing was closed while we
      // were disconnected. Ones first seen after hello was sent came from conversation_updated.
      for (const id of knownBefore) {
        const conversation = conversations.get(id);
        if (!listed.has(id) && conversation.status !== "closed") {
          conversations.set(id, Object.assign({}, conversation, { status: "closed" }));
        }
      }
      helloDone = true;
      canned.setItems(ack.canned || []);
      visitors.clear();
      for (const visitor of ack.visitors || []) upsertVisitor(visitors, visitor);
      store.update({ conversations, visitors, agents: Array.isArray(ack.agents) ? ack.agents : [] });
    });
  }

  socket.on("connect", () => {
    readSent.clear(); // a new connection: say again what we have read
    gaps.restart(); // requests of the last connection never resolve
    store.update({ connection: { state: "connected", text: word("connected") }, readSent });
    hello();
    if (state.selectedId != null) join(state.selectedId); // re-subscribe and fetch what we missed
    outbox.restart();
  });
  socket.on("disconnect", () => {
    store.update({
      connection: socket.active ? { state: "reconnecting", text: word("reconnecting") } : { state: "disconnected", text: word("disconnected") },
    });
  });
  // Our rights changed (role, departments): the server closes this connection. Hide what the old rights
  // showed, say why, and load the console again under the new ones.
  socket.on("access_changed", (event) => {
    conversations.clear();
    threads.clear();
    notes.clear();
    visitors.clear();
    unread.clear();
    store.update({
      conversations,
      threads,
      notes,
      visitors,
      unread,
      selectedId: null,
      panelVisitorId: null,
      connection: { state: "disconnected", text: (event && event.reason) || word("access_changed") },
    });
    setTimeout(() => location.reload(), 1500);
  });
  socket.on("connect_error", (error) => {
    // Refused at connect (not an agent, logged out): Socket.IO gives up, so say why.
    store.update({
      connection: socket.active
        ? { state: "reconnecting", text: word("reconnecting") }
        : { state: "disconnected", text: word("not_connected", { reason: (error && error.message) || word("refused") }) },
    });
  });
  socket.on("conversation_updated", (conversation) => upsertConversation(conversation));
  socket.on("new_message", (message) => {
    if (!message || message.conversation_id == null) return;
    if (message.sender === "visitor") typing.set(message.conversation_id, false);
    // A skipped seq means a broadcast was lost (a queue outage, say): gap filling asks for what is missing.
    if (addMessage(message)) store.update({ threads, typing });
  });
  socket.on("message_deleted", (event) => {
    if (!event || event.conversation_id == null) return;
    if (threadFor(event.conversation_id).remove(event.message_id)) store.update({ threads });
  });
  socket.on("note_added", (note) => {
    if (!note || note.conversation_id == null) return;
    notesFor(note.conversation_id).set(note.id, note);
    store.update({ notes });
  });
  socket.on("viewers", (event) => {
    if (!event || event.conversation_id == null) return;
    viewers.set(event.conversation_id, Array.isArray(event.viewers) ? event.viewers : []);
    store.update({ viewers });
  });
  socket.on("typing", (event) => {
    if (!event || event.conversation_id == null) return;
    typing.set(event.conversation_id, Boolean(event.typing));
    store.update({ typing });
  });
  socket.on("read", (event) => {
    if (!event || event.conversation_id == null || event.reader !== "visitor" || !Number.isInteger(event.seq)) return;
    readUpTo.set(event.conversation_id, Math.max(readUpTo.get(event.conversation_id) || 0, event.seq));
    store.update({ readUpTo });
  });
  socket.on("agent_presence", (event) => store.update({ agents: event && Array.isArray(event.agents) ? event.agents : [] }));
  socket.on("visitor_updated", (visitor) => {
    upsertVisitor(visitors, visitor);
    store.update({ visitors });
  });
  socket.on("conversation_assigned", (event) => {
    if (!event || !event.conversation) return;
    upsertConversation(event.conversation, false);
    const who = visitorLabel(event.conversation.visitor);
    const text = word(event.note ? "assigned_note" : "assigned_text", { by: event.by || word("someone"), name: who, note: event.note || "" });
    showInfo(text);
    attention.alert(word("assigned_title"), text, "assigned-" + event.conversation.id, () => select(event.conversation.id));
  });
  document.addEventListener("visibilitychange", () => store.update({}));
  // Keep "Seen …" and local times fresh without reloading.
  setInterval(() => store.update({ now: Date.now() }), 60000);
  store.update({}); // the first render: "Connecting…"
}
