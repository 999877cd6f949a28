// Agent console: conversations and visitors on the left, the selected thread in the middle, the
// visitor's context on the right, and a history view. Works under a strict CSP (script-src 'self'
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
import { ConversationList, applyConversation } from "./console/conversation-list.js";
import { answersOf, chatNumberText, describe, preview, statusText, visitorLabel } from "./console/format.js";
import { setupHistory } from "./console/history.js";
import { ThreadActions } from "./console/thread-actions.js";
import { VisitorList, VisitorPanel, answersList, upsertVisitor } from "./console/visitors.js";

// The console speaks English; the thread view takes its words from here (the widget passes its translations).
const THREAD_STRINGS = { agent: "Agent", sending: "Sending\u2026" };

const root = document.getElementById("livechat-console");
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
    log: "lc-log", notes: "lc-notes", error: "lc-error", info: "lc-info", canned: "lc-canned",
    form: "lc-reply-form", reply: "lc-reply", asNote: "lc-as-note", send: "lc-send",
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
  const view = new ThreadView(ui.log, { ownSender: "agent", decorate: addDeleteButton, renderBody: attachmentBody, strings: THREAD_STRINGS });
  const attention = new Attention(ui.notify);
  const canned = new CannedPicker(ui.reply, ui.canned);
  const visitorList = new VisitorList(ui.visitors, ui.visitorsEmpty, (id) => showVisitor(id));
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
      filter: ui.filter.value,
      connection: { state: "connecting", text: "Connecting\u2026" },
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
      store.update(ack.ok ? { threads } : { threads, error: errorText(ack, "The file could not be sent.") });
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
    list.render(s.conversations, s.unread, { filter: s.filter, selectedId: s.selectedId, meId: s.me.id });
    attention.setUnread(s.unread.size);
    if (changed.has("agents") || changed.has("me")) renderAgents(s);
    if (changed.has("visitors") || changed.has("panelVisitorId")) visitorList.render(s.visitors, s.panelVisitorId);
    if (["visitors", "panelVisitorId", "conversations", "now"].some((key) => changed.has(key))) {
      const visitor = s.panelVisitorId == null ? null : s.visitors.get(s.panelVisitorId) || null;
      panel.render(visitor, { canInvite: visitor != null && !openConversationOf(visitor.id), force: changed.has("panelVisitorId") });
    }
    // A closed chat cannot be written to by mistake: the composer is off and says why, with Reopen at hand.
    const closed = Boolean(selected && selected.status === "closed");
    ui.reply.disabled = s.selectedId == null || closed;
    ui.send.disabled = s.selectedId == null || closed;
    ui.asNote.disabled = s.selectedId == null || closed;
    attach.setEnabled(!ui.reply.disabled);
    ui.reply.placeholder = closed ? "This chat is closed." : "Write a reply\u2026 (type / for canned responses)";
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
    ui.title.textContent = selected ? visitorLabel(selected.visitor) : "Conversation";
    const number = selected ? chatNumberText(selected) : "";
    ui.details.textContent = selected ? [describe(selected), number].filter(Boolean).join(" \u00b7 ") : "";
    renderVisitorCards(s, selected);
    ui.status.textContent = selected ? statusText(selected, s.me.id) : "";
    const others = (s.viewers.get(s.selectedId) || []).filter((v) => v.id !== s.me.id).map((v) => v.name);
    ui.viewers.textContent = others.length ? "Also viewing: " + others.join(", ") : "";
    const thread = threadFor(s.selectedId);
    const seen = s.readUpTo.get(s.selectedId) || 0;
    const lastOwn = thread.lastSeqFrom("agent");
    if (s.typing.get(s.selectedId)) ui.typing.textContent = "The visitor is typing\u2026";
    else if (lastOwn && seen >= lastOwn) ui.typing.textContent = "Seen by the visitor";
    else ui.typing.textContent = "";
    actions.render(selected);
    if (changed.has("notes") || changed.has("selectedId")) renderNotes(s.selectedId);
    view.render(thread.entries(), { scrollToEnd: hints.scrollToEnd });
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
    if (answers.length) ui.answersCard.replaceChildren(h("h3", { text: "Pre-chat answers" }), answersList(answers));
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

  /** @param {string} id the conversation on screen */
  function renderNotes(id) {
    const sorted = Array.from(notesFor(id).values()).sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
    ui.notes.replaceChildren(...sorted.map((n) => h("li", {}, [h("strong", { text: "Note by " + n.author + ": " }), h("span", { text: n.body })])));
  }

  /** @param {ConsoleState} s */
  function renderAgents(s) {
    const mine = s.agents.find((a) => a.id === s.me.id);
    if (mine && document.activeElement !== ui.presence) ui.presence.value = mine.status;
    ui.agents.textContent = s.agents.length
      ? "Agents: " + s.agents.map((a) => a.name + (a.status === "away" ? " (away)" : " (online)")).join(", ")
      : "";
    const current = ui.searchAgent.value;
    ui.searchAgent.replaceChildren(h("option", { value: "", text: "Anyone" }), ...s.agents.map((a) => h("option", { value: a.id, text: a.name })));
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

  /**
   * @param {HTMLElement} node
   * @param {import("./shared/messages.js").Entry} entry
   */
  function addDeleteButton(node, entry) {
    const m = entry.message;
    if (entry.pending || (m.sender !== "visitor" && m.sender !== "agent")) return;
    const button = h("button", { type: "button", class: "lc-msg-delete", text: "Delete message" });
    button.addEventListener("click", () => {
      if (!window.confirm("Delete this message for everyone?")) return;
      act("delete_message", { conversation_id: m.conversation_id, message_id: m.id }, "The message could not be deleted.");
    });
    node.append(button);
  }

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
      attention.alert(change.known ? "New message from " + who : "New conversation: " + who, preview(conversation.last_message), conversation.id, () => select(conversation.id));
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
    store.update({ view: "chats", unread }, { scrollToEnd: true, focusComposer: true });
    if (socket.connected) join(id);
  }

  // Joining returns the full history and notes, and subscribes this connection to the thread.
  /** @param {string} id */
  function join(id) {
    request(socket, "join_conversation", { conversation_id: id }).then((ack) => {
      if (!ack.ok) {
        if (id === state.selectedId) store.update({ error: errorText(ack, "This conversation could not be opened.") });
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
    if (ui.asNote.checked) {
      ui.reply.value = "";
      store.update({ error: "" });
      request(socket, "add_note", { conversation_id: id, client_id: clientId, body }).then((ack) => {
        if (!ack.ok) {
          store.update({ error: errorText(ack, "Your note could not be saved.") });
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
      store.update({ error: errorText(ack, "Your reply could not be sent.") });
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
    if (ui.asNote.checked) return;
    if (ui.reply.value.trim()) typingSignal.input();
    else typingSignal.stop();
  });
  ui.reply.addEventListener("blur", () => typingSignal.stop());

  // --- visitors --------------------------------------------------------------------------

  const panel = new VisitorPanel(ui.panel, socket, {
    onInvited(ack) {
      upsertConversation(ack.conversation, false);
      addMessage(ack.message);
      showInfo("Invitation sent.");
      select(ack.conversation.id);
    },
    showInfo,
    showError,
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
      if (!ack.ok) store.update({ error: errorText(ack, "Your status could not be changed.") });
    });
  });

  // --- views -----------------------------------------------------------------------------

  ui.viewChats.addEventListener("click", () => store.update({ view: "chats" }));
  ui.viewHistory.addEventListener("click", () => store.update({ view: "history" }));

  // --- connection ------------------------------------------------------------------------

  function hello() {
    const knownBefore = new Set(conversations.keys());
    request(socket, "hello", {}).then((ack) => {
      if (!ack.ok) {
        store.update({ connection: { state: "error", text: errorText(ack, "The console could not load conversations.") } });
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
    store.update({ connection: { state: "connected", text: "Connected" }, readSent });
    hello();
    if (state.selectedId != null) join(state.selectedId); // re-subscribe and fetch what we missed
    outbox.restart();
  });
  socket.on("disconnect", () => {
    store.update({
      connection: socket.active ? { state: "reconnecting", text: "Reconnecting\u2026" } : { state: "disconnected", text: "Disconnected" },
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
      connection: { state: "disconnected", text: (event && event.reason) || "Your access changed." },
    });
    setTimeout(() => location.reload(), 1500);
  });
  socket.on("connect_error", (error) => {
    // Refused at connect (not an agent, logged out): Socket.IO gives up, so say why.
    store.update({
      connection: socket.active
        ? { state: "reconnecting", text: "Reconnecting\u2026" }
        : { state: "disconnected", text: "Not connected: " + ((error && error.message) || "refused") },
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
    const text = (event.by || "Someone") + " gave you the conversation with " + who + (event.note ? ": " + event.note : ".");
    showInfo(text);
    attention.alert("Conversation assigned to you", text, "assigned-" + event.conversation.id, () => select(event.conversation.id));
  });
  document.addEventListener("visibilitychange", () => store.update({}));
  // Keep "Seen …" and local times fresh without reloading.
  setInterval(() => store.update({ now: Date.now() }), 60000);
  store.update({}); // the first render: "Connecting…"
}
