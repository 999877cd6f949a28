// Agent console: the open conversations on the left, the selected thread on the right.
// Works under a strict CSP (script-src 'self' 'nonce-…'): no inline handlers, no eval, no HTML strings.
import { io } from "socket.io-client";
import { errorText, request } from "./shared/ack.js";
import { h } from "./shared/dom.js";
import { newClientId } from "./shared/ids.js";
import { MessageStore } from "./shared/messages.js";
import { Outbox } from "./shared/outbox.js";
import { ThreadView } from "./shared/thread-view.js";
import { formatTime } from "./shared/time.js";

const PREVIEW_LENGTH = 80;

const root = document.getElementById("livechat-console");
if (root) start(root);

// The page markup lives in templates/livechat/agent/console.html; these ids are the contract.
function findUi() {
  const byId = (id) => {
    const el = document.getElementById(id);
    if (!el) throw new Error("livechat console: missing #" + id);
    return el;
  };
  return {
    connection: byId("lc-connection"),
    list: byId("lc-conversations"),
    empty: byId("lc-empty"),
    title: byId("lc-thread-title"),
    details: byId("lc-thread-details"),
    log: byId("lc-log"),
    error: byId("lc-error"),
    form: byId("lc-reply-form"),
    reply: byId("lc-reply"),
    send: byId("lc-send"),
  };
}

function start(rootEl) {
  const ui = findUi();
  const path = rootEl.getAttribute("data-socketio-path") || "/socket.io";
  const socket = io(location.origin + "/livechat-agent", { path });
  const outbox = new Outbox(socket, onSendAck);
  const view = new ThreadView(ui.log, { ownSender: "agent" });

  const conversations = new Map(); // id -> conversation (open and closed ones we have seen)
  const stores = new Map(); // conversation id -> MessageStore
  const drafts = new Map(); // conversation id -> unsent reply text
  const unread = new Set(); // conversation ids with visitor messages the agent has not looked at
  const items = new Map(); // conversation id -> { li, button, parts } in the list
  let selectedId = null;
  let itemCount = 0; // for unique element ids in the list
  let helloDone = false; // the first hello's list is the starting point, later ones are news

  function storeFor(id) {
    if (!stores.has(id)) stores.set(id, new MessageStore("agent"));
    return stores.get(id);
  }

  // --- conversation list -----------------------------------------------------------------

  // Applies a conversation from the server unless it is older than what we already have
  // (conversation_updated events may overtake each other). `markUnread` is off for the first
  // list, which is the starting point rather than news.
  function upsertConversation(conversation, markUnread = true) {
    if (!conversation || conversation.id == null) return;
    const known = conversations.get(conversation.id);
    if (known && isOlder(conversation, known)) return;
    const grew = !known || (conversation.last_seq || 0) > (known.last_seq || 0);
    const fromVisitor = conversation.last_message && conversation.last_message.sender === "visitor";
    if (markUnread && grew && fromVisitor && conversation.id !== selectedId) unread.add(conversation.id);
    conversations.set(conversation.id, conversation);
  }

  function renderList() {
    const open = Array.from(conversations.values())
      .filter((c) => c.status !== "closed")
      .sort(byMostRecent);
    const focused = document.activeElement;
    let cursor = ui.list.firstChild;
    for (const conversation of open) {
      const item = itemFor(conversation.id);
      fillItem(item, conversation);
      if (item.li === cursor) cursor = cursor.nextSibling;
      else ui.list.insertBefore(item.li, cursor);
    }
    const visible = new Set(open.map((c) => c.id));
    for (const [id, item] of items) {
      if (!visible.has(id)) {
        item.li.remove();
        items.delete(id);
      }
    }
    // Moving a focused button blurs it in some browsers; keep keyboard users where they were.
    if (focused && focused.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
    ui.empty.hidden = open.length > 0;
  }

  function itemFor(id) {
    let item = items.get(id);
    if (!item) {
      // The button is named by the visitor only; preview and time are its description. That keeps
      // names short for screen readers and stops a preview from sounding like another control.
      const prefix = "lc-conv-" + ++itemCount;
      const parts = {
        name: h("span", { id: prefix + "-name", class: "lc-conv-name" }),
        time: h("time", { id: prefix + "-time", class: "lc-conv-time" }),
        preview: h("span", { id: prefix + "-preview", class: "lc-conv-preview" }),
        unread: h("span", { id: prefix + "-unread", class: "lc-conv-unread" }),
      };
      const button = h(
        "button",
        {
          type: "button",
          class: "lc-conv",
          "aria-labelledby": parts.name.id,
          "aria-describedby": [parts.unread.id, parts.preview.id, parts.time.id].join(" "),
        },
        [parts.name, parts.time, parts.preview, parts.unread],
      );
      button.addEventListener("click", () => select(id));
      item = { li: h("li", {}, [button]), button, parts };
      items.set(id, item);
    }
    return item;
  }

  function fillItem(item, conversation) {
    const isUnread = unread.has(conversation.id);
    item.button.className = "lc-conv" + (isUnread ? " lc-conv--unread" : "");
    if (conversation.id === selectedId) item.button.setAttribute("aria-current", "true");
    else item.button.removeAttribute("aria-current");
    item.parts.name.textContent = visitorLabel(conversation.visitor);
    item.parts.time.textContent = formatTime(conversation.updated_at);
    item.parts.time.setAttribute("datetime", conversation.updated_at || "");
    item.parts.preview.textContent = preview(conversation.last_message);
    // Emptied rather than hidden: aria-describedby would still read a hidden element's text.
    item.parts.unread.textContent = isUnread ? "New" : "";
  }

  // --- thread ----------------------------------------------------------------------------

  function select(id) {
    if (id !== selectedId) {
      if (selectedId != null) drafts.set(selectedId, ui.reply.value);
      selectedId = id;
      ui.reply.value = drafts.get(id) || "";
      showError("");
      view.clear();
    }
    unread.delete(id);
    ui.reply.disabled = false;
    ui.send.disabled = false;
    renderList();
    renderThread({ scrollToEnd: true });
    ui.reply.focus();
    if (socket.connected) join(id);
  }

  // Joining returns the full history and subscribes this connection to the thread's new_message.
  function join(id) {
    request(socket, "join_conversation", { conversation_id: id }).then((ack) => {
      if (!ack.ok) {
        if (id === selectedId) showError(errorText(ack, "This conversation could not be opened."));
        return;
      }
      upsertConversation(ack.conversation);
      const store = storeFor(id);
      for (const message of ack.messages || []) store.add(message);
      renderList();
      if (id === selectedId) renderThread();
    });
  }

  function renderThread(options) {
    if (selectedId == null) return;
    const conversation = conversations.get(selectedId);
    ui.title.textContent = conversation ? visitorLabel(conversation.visitor) : "Conversation";
    ui.details.textContent = conversation ? describe(conversation) : "";
    view.render(storeFor(selectedId).entries(), options);
  }

  function showError(text) {
    ui.error.textContent = text;
  }

  function submit() {
    const body = ui.reply.value.trim();
    if (!body || selectedId == null) return;
    showError("");
    const clientId = newClientId();
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

  // --- connection ------------------------------------------------------------------------

  function setConnection(state, text) {
    ui.connection.setAttribute("data-state", state);
    ui.connection.textContent = text;
  }

  function hello() {
    const knownBefore = new Set(conversations.keys());
    request(socket, "hello", {}).then((ack) => {
      if (!ack.ok) {
        setConnection("error", errorText(ack, "The console could not load conversations."));
        return;
      }
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
      renderList();
      renderThread();
    });
  }

  setConnection("connecting", "Connecting\u2026");
  socket.on("connect", () => {
    setConnection("connected", "Connected");
    hello();
    if (selectedId != null) join(selectedId); // re-subscribe and fetch what we missed
    outbox.restart();
  });
  socket.on("disconnect", () => {
    setConnection(socket.active ? "reconnecting" : "disconnected", socket.active ? "Reconnecting\u2026" : "Disconnected");
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
  });
  socket.on("new_message", (message) => {
    if (!message || message.conversation_id == null) return;
    if (storeFor(message.conversation_id).add(message) && message.conversation_id === selectedId) renderThread();
  });
}

// --- formatting helpers --------------------------------------------------------------------

function visitorLabel(visitor) {
  if (!visitor) return "Visitor";
  if (visitor.name) return visitor.name;
  const id = String(visitor.id || "");
  return id ? "Visitor " + id.slice(-4) : "Visitor";
}

function describe(conversation) {
  const visitor = conversation.visitor || {};
  const parts = [];
  if (visitor.email) parts.push(visitor.email);
  if (visitor.returning) parts.push("Returning visitor" + (visitor.visit_count ? ", " + visitor.visit_count + " visits" : ""));
  else parts.push("New visitor");
  if (conversation.status === "closed") parts.push("Closed");
  return parts.join(" \u00b7 ");
}

function preview(message) {
  if (!message) return "No messages yet";
  const prefix = message.sender === "agent" ? (message.author || "Agent") + ": " : "";
  const text = prefix + String(message.body || "").replace(/\s+/g, " ").trim();
  return text.length > PREVIEW_LENGTH ? text.slice(0, PREVIEW_LENGTH - 1) + "\u2026" : text;
}

// Most recently updated first. The server's ISO timestamps share one format and offset, so plain
// string comparison orders them (and keeps the microseconds Date would drop).
function byMostRecent(a, b) {
  const ua = a.updated_at || "";
  const ub = b.updated_at || "";
  if (ua !== ub) return ua < ub ? 1 : -1;
  return String(a.id) < String(b.id) ? -1 : 1;
}

function isOlder(incoming, known) {
  const seqIn = incoming.last_seq || 0;
  const seqKnown = known.last_seq || 0;
  if (seqIn !== seqKnown) return seqIn < seqKnown;
  return (incoming.updated_at || "") < (known.updated_at || "");
}
