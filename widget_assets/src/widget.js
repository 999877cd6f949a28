// Visitor chat widget. Injected into every host page as
//   <script defer src=".../widget.js" data-socketio-path="/socket.io" nonce="...">
// It renders inside a shadow root and exposes a single global, window.LiveChat.
import { io } from "socket.io-client";
import styles from "./widget.css";
import { errorText, request } from "./shared/ack.js";
import { h, icon } from "./shared/dom.js";
import { newClientId } from "./shared/ids.js";
import { MessageStore } from "./shared/messages.js";
import { Outbox } from "./shared/outbox.js";
import { ThreadView } from "./shared/thread-view.js";

const CHAT_ICON =
  "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.25 1.25 0 1 0 0 2.5A1.25 1.25 0 0 0 7 10zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5z";
const CLOSE_ICON =
  "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z";

// document.currentScript is only set while this file first runs, so read it before anything async.
const ownScript = document.currentScript || document.querySelector("script[data-livechat]");

// Loading the script twice (e.g. a template included twice) must not create two widgets.
if (!window.LiveChat && !document.getElementById("livechat-root")) {
  start(readConfig(ownScript));
}

function readConfig(script) {
  return {
    path: (script && script.getAttribute("data-socketio-path")) || "/socket.io",
    // The nonce attribute reads back empty once applied; the property keeps the value.
    nonce: (script && (script.nonce || script.getAttribute("nonce"))) || "",
  };
}

function start(config) {
  const events = createEvents();
  let widget = null;
  let openWhenReady = false;

  window.LiveChat = Object.freeze({
    open() {
      if (widget) widget.open();
      else openWhenReady = true;
    },
    close() {
      if (widget) widget.close();
      else openWhenReady = false;
    },
    on: events.on,
  });

  whenBodyReady(() => {
    widget = createWidget(config, events);
    if (openWhenReady) widget.open();
  });
}

function whenBodyReady(fn) {
  if (document.body) fn();
  else document.addEventListener("DOMContentLoaded", fn, { once: true });
}

// LiveChat.on(name, cb) listeners plus the matching window CustomEvents ("livechat:<name>").
function createEvents() {
  const listeners = new Map();
  return {
    on(name, callback) {
      if (typeof callback !== "function") throw new TypeError("LiveChat.on needs a callback");
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name).add(callback);
      return () => listeners.get(name).delete(callback);
    },
    emit(name, detail) {
      for (const callback of listeners.get(name) || []) {
        try {
          callback(detail);
        } catch (error) {
          // A broken host callback must not break the chat; report it without stopping.
          setTimeout(() => {
            throw error;
          });
        }
      }
      window.dispatchEvent(new CustomEvent("livechat:" + name, { detail }));
    },
  };
}

function buildUi(nonce) {
  const host = h("div", { id: "livechat-root" });
  const root = host.attachShadow({ mode: "open" });
  const style = h("style", { text: styles });
  if (nonce) style.nonce = nonce; // the page may only allow <style> with its nonce

  const badge = h("span", { class: "lc-badge", "aria-hidden": "true", hidden: true });
  const unreadText = h("span", { id: "lc-unread", class: "lc-sr-only" });
  const launcher = h(
    "button",
    {
      type: "button",
      class: "lc-launcher",
      "aria-label": "Open chat",
      "aria-expanded": "false",
      "aria-controls": "lc-panel",
      "aria-describedby": "lc-unread",
    },
    [icon(CHAT_ICON, 28), badge],
  );

  const closeButton = h("button", { type: "button", class: "lc-close", "aria-label": "Close chat" }, [
    icon(CLOSE_ICON, 22),
  ]);
  const intro = h("p", { class: "lc-intro", text: "Send us a message and we\u2019ll reply right here." });
  const log = h("div", { class: "lc-log", role: "log", "aria-live": "polite", "aria-label": "Messages", tabindex: "0" });
  const status = h("p", { class: "lc-status", role: "status" });
  const error = h("p", { class: "lc-error", role: "alert" });
  const textarea = h("textarea", { class: "lc-input", "aria-label": "Message", rows: "2", placeholder: "Write a message\u2026" });
  const sendButton = h("button", { type: "submit", class: "lc-send", text: "Send" });
  const form = h("form", { class: "lc-form", novalidate: true }, [textarea, sendButton]);
  const panel = h("div", { id: "lc-panel", class: "lc-panel", role: "dialog", "aria-label": "Chat", hidden: true }, [
    h("div", { class: "lc-header" }, [h("h2", { class: "lc-title", text: "Chat" }), closeButton]),
    intro,
    log,
    status,
    error,
    form,
  ]);

  root.append(style, h("div", { class: "lc-app" }, [launcher, unreadText, panel]));
  return { host, root, launcher, badge, unreadText, panel, closeButton, intro, log, status, error, form, textarea };
}

function createWidget(config, events) {
  const ui = buildUi(config.nonce);
  document.body.append(ui.host);

  const store = new MessageStore("visitor");
  const view = new ThreadView(ui.log, { ownSender: "visitor" });
  const socket = io(location.origin + "/livechat", { path: config.path });
  const outbox = new Outbox(socket, onSendAck);
  let historyLoaded = false; // messages from the first hello are history, not "new" messages
  let unread = 0;

  // --- opening and closing ---------------------------------------------------------------

  function isOpen() {
    return !ui.panel.hidden;
  }

  function open() {
    if (!isOpen()) {
      ui.panel.hidden = false;
      ui.launcher.setAttribute("aria-expanded", "true");
      setUnread(0);
      view.scrollToEnd();
      events.emit("open", null);
    }
    ui.textarea.focus();
  }

  function close() {
    if (!isOpen()) return;
    // Focus would otherwise be lost inside the now hidden panel.
    const focusWasInside = ui.panel.contains(ui.root.activeElement);
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    if (focusWasInside) ui.launcher.focus();
    events.emit("close", null);
  }

  function setUnread(count) {
    unread = count;
    ui.badge.hidden = count === 0;
    ui.badge.textContent = count > 99 ? "99+" : String(count);
    ui.unreadText.textContent = count === 0 ? "" : count === 1 ? "1 unread message" : count + " unread messages";
  }

  ui.launcher.addEventListener("click", open);
  ui.closeButton.addEventListener("click", close);
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  // --- messages --------------------------------------------------------------------------

  function render(options) {
    ui.intro.hidden = !store.isEmpty;
    view.render(store.entries(), options);
  }

  // Adds a server message; tells the host page about it if it is new (not history, not a duplicate).
  function receive(message) {
    if (!store.add(message)) return false;
    if (historyLoaded) {
      events.emit("message", Object.assign({}, message));
      if (!isOpen() && message.sender !== "visitor") setUnread(unread + 1);
    }
    return true;
  }

  function showError(text) {
    ui.error.textContent = text;
  }

  function submit() {
    const body = ui.textarea.value.trim();
    if (!body) return;
    showError("");
    const clientId = newClientId();
    store.addPending(clientId, body);
    outbox.send({ client_id: clientId, body });
    ui.textarea.value = "";
    render({ scrollToEnd: true });
  }

  function onSendAck(payload, ack) {
    if (ack.ok) {
      receive(ack.message);
      store.removePending(payload.client_id);
    } else {
      store.removePending(payload.client_id);
      showError(errorText(ack, "Your message could not be sent."));
      restoreDraft(payload.body);
    }
    render();
  }

  // Nothing was stored on an error ack: give the text back so the visitor can retry or edit it.
  function restoreDraft(body) {
    const current = ui.textarea.value;
    ui.textarea.value = current.trim() ? body + "\n" + current : body;
  }

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
    ui.textarea.focus();
  });
  ui.textarea.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; never interrupt an IME composition.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });

  // --- connection ------------------------------------------------------------------------

  function setStatus(text) {
    ui.status.textContent = text;
  }

  function hello() {
    const page = { url: location.href, title: document.title, referrer: document.referrer };
    request(socket, "hello", { page }).then((ack) => {
      if (!ack.ok) {
        setStatus(errorText(ack, "Chat is unavailable right now."));
        return;
      }
      // Merge, don't replace: after a reconnect this fills in whatever was missed meanwhile.
      for (const message of ack.messages || []) receive(message);
      historyLoaded = true;
      setStatus(ack.agents_online === false ? "No one is online right now. Leave a message and we\u2019ll get back to you." : "");
      render();
    });
  }

  setStatus("Connecting\u2026");
  socket.on("connect", () => {
    setStatus("");
    hello(); // every (re)connect: the server may have restarted or we may have missed messages
    outbox.restart();
  });
  socket.on("disconnect", () => {
    setStatus(socket.active ? "Reconnecting\u2026" : "Disconnected.");
  });
  socket.on("connect_error", () => {
    setStatus(socket.active ? "Reconnecting\u2026" : "Chat is unavailable right now.");
  });
  socket.on("new_message", (message) => {
    if (receive(message)) render();
  });

  return { open, close };
}
