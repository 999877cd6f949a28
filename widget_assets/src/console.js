// Agent console: conversations and visitors on the left, the selected thread in the middle, the
// visitor's context on the right, and a history view. Works under a strict CSP (script-src 'self'
// 'nonce-…'): no inline handlers, no eval, no HTML strings; all text goes in through textContent.
import { io } from "socket.io-client";
import { errorText, request } from "./shared/ack.js";
import { h } from "./shared/dom.js";
import { newClientId } from "./shared/ids.js";
import { MessageStore } from "./shared/messages.js";
import { Outbox } from "./shared/outbox.js";
import { ThreadView } from "./shared/thread-view.js";
import { Attention } from "./console/attention.js";
import { CannedPicker } from "./console/canned.js";
import { ConversationList } from "./console/conversation-list.js";
import { describe, preview, statusText, visitorLabel } from "./console/format.js";
import { setupHistory } from "./console/history.js";
import { ThreadActions } from "./console/thread-actions.js";
import { VisitorList, VisitorPanel } from "./console/visitors.js";

const TYPING_EVERY_MS = 2000;

const root = document.getElementById("livechat-console");
if (root) start(root);

// The page markup lives in templates/livechat/agent/console.html; these ids are the contract.
function findUi() {
  const byId = (id) => {
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
  };
  const ui = {};
  for (const [key, id] of Object.entries(ids)) ui[key] = byId(id);
  return ui;
}

function start(rootEl) {
  const ui = findUi();
  const path = rootEl.getAttribute("data-socketio-path") || "/socket.io";
  const socket = io(location.origin + "/livechat-agent", { path });
  const outbox = new Outbox(socket, onSendAck);
  const view = new ThreadView(ui.log, { ownSender: "agent", decorate: addDeleteButton });
  const attention = new Attention(ui.notify);
  const canned = new CannedPicker(ui.reply, ui.canned);
  const visitorList = new VisitorList(ui.visitors, ui.visitorsEmpty, (id) => panel.show(id));

  const list = new ConversationList(ui.list, ui.empty, ui.filter, (id) => select(id));
  const stores = new Map(); // conversation id -> MessageStore
  const notes = new Map(); // conversation id -> Map(note id -> note)
  const drafts = new Map(); // conversation id -> unsent reply text
  const viewers = new Map(); // conversation id -> [{id, name}]
  const typing = new Map(); // conversation id -> bool (the visitor is typing)
  const readUpTo = new Map(); // conversation id -> highest seq the visitor has seen
  const readSent = new Map(); // conversation id -> highest visitor seq we told the server we have seen
  let agents = []; // [{id, name, status}] online or away
  let me = { id: null, name: "", role: "agent" };
  let selectedId = null;
  let helloDone = false; // the first hello's list is the starting point, later ones are news
  let lastTypingSent = 0;

  function storeFor(id) {
    if (!stores.has(id)) stores.set(id, new MessageStore("agent"));
    return stores.get(id);
  }

  function notesFor(id) {
    if (!notes.has(id)) notes.set(id, new Map());
    return notes.get(id);
  }

  // --- conversation list -----------------------------------------------------------------

  // Applies a conversation from the server; a visitor's new message is news (sound, notification,
  // unread count) unless the agent is looking at it. `isNews` is off for the first list.
  function upsertConversation(conversation, isNews = true) {
    const change = list.apply(conversation);
    if (!change || !isNews || !change.grew || !change.fromVisitor) return;
    const looking = conversation.id === selectedId && document.visibilityState === "visible" && document.hasFocus();
    if (conversation.id !== selectedId) list.unread.add(conversation.id);
    if (!looking) {
      const who = visitorLabel(conversation.visitor);
      attention.alert(change.known ? "New message from " + who : "New conversation: " + who, preview(conversation.last_message), conversation.id, () => select(conversation.id));
    }
    attention.setUnread(list.unread.size);
  }

  function renderList() {
    list.selectedId = selectedId;
    list.meId = me.id;
    list.render();
    attention.setUnread(list.unread.size);
  }

  ui.filter.addEventListener("change", renderList);

  // --- thread ----------------------------------------------------------------------------

  function select(id) {
    showView("chats");
    if (id !== selectedId) {
      if (selectedId != null) {
        drafts.set(selectedId, ui.reply.value);
        sendTyping(false);
      }
      selectedId = id;
      ui.reply.value = drafts.get(id) || "";
      canned.update();
      showError("");
      view.clear();
    }
    list.unread.delete(id);
    ui.reply.disabled = false;
    ui.send.disabled = false;
    renderList();
    renderThread({ scrollToEnd: true });
    ui.reply.focus();
    if (socket.connected) join(id);
  }

  // Joining returns the full history and notes, and subscribes this connection to the thread.
  function join(id) {
    request(socket, "join_conversation", { conversation_id: id }).then((ack) => {
      if (!ack.ok) {
        if (id === selectedId) showError(errorText(ack, "This conversation could not be opened."));
        return;
      }
      upsertConversation(ack.conversation, false);
      const store = storeFor(id);
      for (const message of ack.messages || []) store.add(message);
      const noteMap = notesFor(id);
      for (const note of ack.notes || []) noteMap.set(note.id, note);
      viewers.set(id, ack.viewers || []);
      renderList();
      if (id === selectedId) {
        renderThread();
        panel.showFor(ack.conversation);
      }
    });
  }

  function renderThread(options) {
    if (selectedId == null) return;
    const conversation = list.conversations.get(selectedId);
    ui.title.textContent = conversation ? visitorLabel(conversation.visitor) : "Conversation";
    ui.details.textContent = conversation ? describe(conversation) : "";
    ui.status.textContent = conversation ? statusText(conversation, me.id) : "";
    const others = (viewers.get(selectedId) || []).filter((v) => v.id !== me.id).map((v) => v.name);
    ui.viewers.textContent = others.length ? "Also viewing: " + others.join(", ") : "";
    renderTypingAndRead();
    renderActions(conversation);
    renderNotes();
    view.render(storeFor(selectedId).entries(), options);
    markRead();
  }

  function renderTypingAndRead() {
    const store = storeFor(selectedId);
    const seen = readUpTo.get(selectedId) || 0;
    const lastOwn = store.lastSeqFrom("agent");
    if (typing.get(selectedId)) ui.typing.textContent = "The visitor is typing\u2026";
    else if (lastOwn && seen >= lastOwn) ui.typing.textContent = "Seen by the visitor";
    else ui.typing.textContent = "";
  }

  function renderNotes() {
    const sorted = Array.from(notesFor(selectedId).values()).sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
    ui.notes.replaceChildren(...sorted.map((n) => h("li", {}, [h("strong", { text: "Note by " + n.author + ": " }), h("span", { text: n.body })])));
  }

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

  function markRead() {
    if (selectedId == null || !socket.connected || document.visibilityState !== "visible") return;
    const seq = storeFor(selectedId).lastSeqFrom("visitor");
    if (!seq || seq <= (readSent.get(selectedId) || 0)) return;
    readSent.set(selectedId, seq);
    socket.emit("mark_read", { conversation_id: selectedId, seq }, () => {});
  }

  function sendTyping(isTyping) {
    if (selectedId == null || !socket.connected) return;
    socket.emit("typing", { conversation_id: selectedId, typing: isTyping }, () => {});
    lastTypingSent = isTyping ? Date.now() : 0;
  }

  function showError(text) {
    ui.error.textContent = text;
  }

  function showInfo(text) {
    ui.info.textContent = text;
  }

  // Sends one conversation action; the server's conversation_updated refreshes the views.
  function act(event, payload, failure, onOk) {
    showError("");
    return request(socket, event, payload).then((ack) => {
      if (!ack.ok) {
        showError(errorText(ack, failure));
        return ack;
      }
      if (ack.conversation) upsertConversation(ack.conversation, false);
      renderList();
      renderThread();
      if (onOk) onOk(ack);
      return ack;
    });
  }

  // Claim, transfer, close/reopen, email, tags: the toolbar over the thread.
  const actions = new ThreadActions(ui, {
    act,
    showInfo,
    selected: () => (selectedId == null ? null : list.conversations.get(selectedId)),
    me: () => me,
    agents: () => agents,
  });
  function renderActions(conversation) {
    actions.render(conversation);
  }

  function submit() {
    const body = ui.reply.value.trim();
    if (!body || selectedId == null) return;
    showError("");
    const clientId = newClientId();
    if (ui.asNote.checked) {
      const id = selectedId;
      ui.reply.value = "";
      request(socket, "add_note", { conversation_id: id, client_id: clientId, body }).then((ack) => {
        if (!ack.ok) {
          showError(errorText(ack, "Your note could not be saved."));
          restoreDraft(id, body);
          return;
        }
        notesFor(id).set(ack.note.id, ack.note);
        if (id === selectedId) renderNotes();
      });
      return;
    }
    sendTyping(false);
    storeFor(selectedId).addPending(clientId, body);
    outbox.send({ conversation_id: selectedId, client_id: clientId, body });
    ui.reply.value = "";
    renderThread({ scrollToEnd: true });
  }

  function onSendAck(payload, ack) {
    const id = payload.conversation_id;
    const store = storeFor(id);
    if (ack.ok) store.add(ack.message);
    store.removePending(payload.client_id);
    if (!ack.ok) {
      showError(errorText(ack, "Your reply could not be sent."));
      restoreDraft(id, payload.body);
    }
    if (id === selectedId) renderThread();
  }

  // Nothing was stored on an error ack: put the text back into that conversation's reply box.
  function restoreDraft(id, body) {
    const current = id === selectedId ? ui.reply.value : drafts.get(id) || "";
    const text = current.trim() ? body + "\n" + current : body;
    if (id === selectedId) ui.reply.value = text;
    else drafts.set(id, text);
  }

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
    ui.reply.focus();
  });
  ui.reply.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  ui.reply.addEventListener("input", () => {
    if (ui.asNote.checked || !ui.reply.value.trim()) return;
    if (Date.now() - lastTypingSent > TYPING_EVERY_MS) sendTyping(true);
  });
  ui.reply.addEventListener("blur", () => {
    if (lastTypingSent) sendTyping(false);
  });

  // --- visitors --------------------------------------------------------------------------

  const panel = new VisitorPanel(ui.panel, visitorList, socket, {
    openConversationOf(visitorId) {
      for (const c of list.conversations.values()) {
        if (c.status === "open" && c.visitor && c.visitor.id === visitorId) return c;
      }
      return null;
    },
    onInvited(ack) {
      upsertConversation(ack.conversation, false);
      storeFor(ack.conversation.id).add(ack.message);
      showInfo("Invitation sent.");
      select(ack.conversation.id);
    },
    showInfo,
    showError,
  });

  // --- presence --------------------------------------------------------------------------

  function applyAgents(presence) {
    agents = Array.isArray(presence) ? presence : [];
    const mine = agents.find((a) => a.id === me.id);
    if (mine && document.activeElement !== ui.presence) ui.presence.value = mine.status;
    ui.agents.textContent = agents.length
      ? "Agents: " + agents.map((a) => a.name + (a.status === "away" ? " (away)" : " (online)")).join(", ")
      : "";
    const current = ui.searchAgent.value;
    ui.searchAgent.replaceChildren(h("option", { value: "", text: "Anyone" }), ...agents.map((a) => h("option", { value: a.id, text: a.name })));
    ui.searchAgent.value = agents.some((a) => a.id === current) ? current : "";
    if (selectedId != null) renderActions(list.conversations.get(selectedId));
  }

  ui.presence.addEventListener("change", () => {
    request(socket, "set_presence", { status: ui.presence.value }).then((ack) => {
      if (!ack.ok) showError(errorText(ack, "Your status could not be changed."));
    });
  });

  // --- views -----------------------------------------------------------------------------

  function showView(which) {
    const history = which === "history";
    ui.chatView.hidden = history;
    ui.historyView.hidden = !history;
    ui.viewChats.setAttribute("aria-pressed", history ? "false" : "true");
    ui.viewHistory.setAttribute("aria-pressed", history ? "true" : "false");
  }
  ui.viewChats.addEventListener("click", () => showView("chats"));
  ui.viewHistory.addEventListener("click", () => showView("history"));

  // --- connection ------------------------------------------------------------------------

  function setConnection(state, text) {
    ui.connection.setAttribute("data-state", state);
    ui.connection.textContent = text;
  }

  let historyReady = false;

  function hello() {
    const knownBefore = new Set(list.conversations.keys());
    request(socket, "hello", {}).then((ack) => {
      if (!ack.ok) {
        setConnection("error", errorText(ack, "The console could not load conversations."));
        return;
      }
      me = ack.agent || me;
      if (!historyReady) {
        setupHistory(ui, socket, me.id);
        historyReady = true;
      }
      const listed = new Set();
      for (const conversation of ack.conversations || []) {
        upsertConversation(conversation, helloDone);
        listed.add(conversation.id);
      }
      // hello lists every open conversation, so one we knew that is missing was closed while we
      // were disconnected. Ones first seen after hello was sent came from conversation_updated.
      for (const id of knownBefore) {
        const conversation = list.conversations.get(id);
        if (!listed.has(id) && conversation.status !== "closed") {
          list.conversations.set(id, Object.assign({}, conversation, { status: "closed" }));
        }
      }
      helloDone = true;
      canned.setItems(ack.canned || []);
      visitorList.replaceAll(ack.visitors || []);
      visitorList.render();
      applyAgents(ack.agents);
      renderList();
      renderThread();
      panel.render();
    });
  }

  setConnection("connecting", "Connecting\u2026");
  socket.on("connect", () => {
    setConnection("connected", "Connected");
    readSent.clear(); // a new connection: say again what we have read
    hello();
    if (selectedId != null) join(selectedId); // re-subscribe and fetch what we missed
    outbox.restart();
  });
  socket.on("disconnect", () => {
    setConnection(socket.active ? "reconnecting" : "disconnected", socket.active ? "Reconnecting\u2026" : "Disconnected");
  });
  // Our rights changed (role, departments): the server closes this connection. Hide what the old rights
  // showed, say why, and load the console again under the new ones.
  socket.on("access_changed", (event) => {
    list.conversations.clear();
    selectedId = null;
    view.clear();
    visitorList.replaceAll([]);
    visitorList.render();
    renderList();
    setConnection("disconnected", (event && event.reason) || "Your access changed.");
    setTimeout(() => location.reload(), 1500);
  });
  socket.on("connect_error", (error) => {
    // Refused at connect (not an agent, logged out): Socket.IO gives up, so say why.
    if (socket.active) setConnection("reconnecting", "Reconnecting\u2026");
    else setConnection("disconnected", "Not connected: " + ((error && error.message) || "refused"));
  });
  socket.on("conversation_updated", (conversation) => {
    upsertConversation(conversation);
    renderList();
    if (conversation && conversation.id === selectedId) renderThread();
    if (conversation && conversation.visitor && conversation.visitor.id === panel.visitorId) panel.render();
  });
  socket.on("new_message", (message) => {
    if (!message || message.conversation_id == null) return;
    if (message.sender === "visitor") typing.set(message.conversation_id, false);
    const store = storeFor(message.conversation_id);
    const last = highestSeq(store);
    if (store.add(message) && message.conversation_id === selectedId) renderThread();
    // A skipped seq means a broadcast was lost (a queue outage, say): the store has it, so ask for the gap.
    if (last > 0 && message.seq > last + 1) fillGap(message.conversation_id, last);
  });

  function highestSeq(store) {
    let last = 0;
    for (const entry of store.confirmed.values()) last = Math.max(last, entry.message.seq);
    return last;
  }

  function fillGap(id, afterSeq) {
    request(socket, "fetch_messages", { conversation_id: id, after_seq: afterSeq }).then((ack) => {
      if (!ack.ok) return;
      const store = storeFor(id);
      for (const message of ack.messages || []) store.add(message);
      if (ack.more) fillGap(id, highestSeq(store));
      if (id === selectedId) renderThread();
    });
  }
  socket.on("message_deleted", (event) => {
    if (!event || event.conversation_id == null) return;
    if (storeFor(event.conversation_id).remove(event.message_id) && event.conversation_id === selectedId) renderThread();
  });
  socket.on("note_added", (note) => {
    if (!note || note.conversation_id == null) return;
    notesFor(note.conversation_id).set(note.id, note);
    if (note.conversation_id === selectedId) renderNotes();
  });
  socket.on("viewers", (event) => {
    if (!event || event.conversation_id == null) return;
    viewers.set(event.conversation_id, Array.isArray(event.viewers) ? event.viewers : []);
    if (event.conversation_id === selectedId) renderThread();
  });
  socket.on("typing", (event) => {
    if (!event || event.conversation_id == null) return;
    typing.set(event.conversation_id, Boolean(event.typing));
    if (event.conversation_id === selectedId) renderTypingAndRead();
  });
  socket.on("read", (event) => {
    if (!event || event.conversation_id == null || event.reader !== "visitor" || !Number.isInteger(event.seq)) return;
    readUpTo.set(event.conversation_id, Math.max(readUpTo.get(event.conversation_id) || 0, event.seq));
    if (event.conversation_id === selectedId) renderTypingAndRead();
  });
  socket.on("agent_presence", (event) => applyAgents(event && event.agents));
  socket.on("visitor_updated", (visitor) => {
    visitorList.upsert(visitor);
    visitorList.render();
    if (visitor && visitor.id === panel.visitorId) panel.refresh();
  });
  socket.on("conversation_assigned", (event) => {
    if (!event || !event.conversation) return;
    upsertConversation(event.conversation, false);
    renderList();
    const who = visitorLabel(event.conversation.visitor);
    const text = (event.by || "Someone") + " gave you the conversation with " + who + (event.note ? ": " + event.note : ".");
    showInfo(text);
    attention.alert("Conversation assigned to you", text, "assigned-" + event.conversation.id, () => select(event.conversation.id));
  });
  document.addEventListener("visibilitychange", markRead);
  // Keep "Seen …" and local times fresh without reloading.
  setInterval(() => panel.refresh(), 60000);
}
