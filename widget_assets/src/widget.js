// The visitor chat, loaded by loader.js on first open (or at once for an ongoing conversation).
// It adds the panel to the launcher's shadow root and talks to /livechat over Socket.IO
// (docs/protocol.md). It defines no globals: it hands its start function to window.LiveChat.
import { io } from "socket.io-client";
import styles from "./widget.css";
import { errorText, normalizeAck, request } from "./shared/ack.js";
import { h } from "./shared/dom.js";
import { newClientId } from "./shared/ids.js";
import { MessageStore } from "./shared/messages.js";
import { Outbox } from "./shared/outbox.js";
import { adoptStyles } from "./shared/styles.js";
import { ThreadView } from "./shared/thread-view.js";
import { fileProblem } from "./widget/files.js";
import { formProblems } from "./widget/forms.js";
import { buildPanel, formField, ratingForm } from "./widget/panel.js";
import { createPrivacy } from "./widget/privacy.js";
import { chime, unlockSound } from "./widget/sound.js";
import { fill } from "./widget/text.js";
import { TypingSignal } from "./widget/typing.js";
import { titleWithCount, unreadCount } from "./widget/unread.js";

const MOUNT = Symbol.for("livechat.mount");
const FALLBACK = { strings: { chat: "Chat", close_chat: "Close chat", unavailable: "Chat is unavailable right now." } };

if (window.LiveChat && typeof window.LiveChat[MOUNT] === "function") window.LiveChat[MOUNT](start);

// ctx: { host, root, app, launcher, badge, unreadText, config, emit } from the loader.
function start(ctx) {
  adoptStyles(ctx.root, styles, ctx.config.nonce);
  let chat = null;
  let wantOpen = false;
  const waiting = {
    open() {
      wantOpen = true;
    },
    close() {
      wantOpen = false;
    },
    toggle() {
      wantOpen = !wantOpen;
    },
  };
  fetch(ctx.config.settingsUrl, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
    .catch(() => null)
    .then((settings) => {
      chat = settings ? createChat(ctx, settings) : unavailable(ctx);
      if (wantOpen) chat.open();
    });
  return {
    open: () => (chat || waiting).open(),
    close: () => (chat || waiting).close(),
    toggle: () => (chat || waiting).toggle(),
  };
}

// Without its settings the chat cannot speak the visitor's language or follow the site's rules.
function unavailable(ctx) {
  const ui = buildPanel(Object.assign({ title: "Chat", greeting: "", attachments: {} }, FALLBACK));
  ui.composer.hidden = true;
  ui.status.textContent = FALLBACK.strings.unavailable;
  ctx.app.append(ui.panel);
  return panelToggle(ctx, ui, () => ui.closeButton);
}

function panelToggle(ctx, ui, focusTarget, onOpen = () => {}, onClose = () => {}) {
  function isOpen() {
    return !ui.panel.hidden;
  }
  function open() {
    if (!isOpen()) {
      ui.panel.hidden = false;
      ctx.app.setAttribute("data-open", "");
      ctx.launcher.setAttribute("aria-expanded", "true");
      onOpen();
      ctx.emit("open", null);
    }
    focusTarget().focus();
  }
  function close() {
    if (!isOpen()) return;
    const focusWasInside = ui.panel.contains(ctx.root.activeElement);
    ui.panel.hidden = true;
    ctx.app.removeAttribute("data-open");
    ctx.launcher.setAttribute("aria-expanded", "false");
    // Focus would otherwise be lost inside the now hidden panel.
    if (focusWasInside) ctx.launcher.focus();
    onClose();
    ctx.emit("close", null);
  }
  ui.closeButton.addEventListener("click", close);
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  return { open, close, toggle: () => (isOpen() ? close() : open()), isOpen };
}

function createChat(ctx, settings) {
  const t = settings.strings;
  const ui = buildPanel(settings);
  const privacy = createPrivacy(t, settings.urls, {
    choose: (choice) => postJson(settings.urls.consent, { choice }).then((ack) => ack.ok && reconnect()),
    erase: () => postJson(settings.urls.delete_data, { confirm: true }).then((ack) => ack.ok && forgetThread()),
    focusChat: () => focusTarget().focus(),
  });
  ui.notice.after(privacy.consent);
  ui.panel.append(privacy.footer);
  ctx.app.append(ui.panel);

  const store = new MessageStore("visitor");
  const view = new ThreadView(ui.log, { ownSender: "visitor", renderBody: attachmentBody });
  let session = null; // page session token from hello: our identity on reconnects and HTTP calls
  let sessionKnown;
  // Uploads name the uploader by the session token: one chosen before the first hello answered waits for it.
  const sessionReady = new Promise((resolve) => (sessionKnown = resolve));
  let remembered = true; // false when the server knows us without a cookie (session token only)
  const socket = io(location.origin + "/livechat", {
    path: ctx.config.socketioPath,
    auth: (send) => send({ session, language: settings.language }),
    // Jittered exponential backoff: after a server restart a thousand widgets do not all come back at once.
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10000,
    randomizationFactor: 0.5,
  });
  const outbox = new Outbox(socket, onSendAck, { key: "livechat:outbox" });
  for (const payload of outbox.pending()) store.addPending(payload.client_id, payload.body); // from a reload
  // Resume: the highest seq of `conversation` we have without a gap, and the seqs we have beyond it.
  let resume = { conversation: null, seq: 0, ahead: new Set(), fetching: false };
  const typingSignal = new TypingSignal((typing) => {
    if (conversationId) socket.emit("typing", { typing }, () => {});
  });
  let historyLoaded = false;
  let conversationId = null; // the open conversation, if any
  let closedConversation = null; // the conversation just closed (rating form), if any
  let readSeq = 0; // our read mark in the open conversation
  let agentReadSeq = 0; // the agent's read mark
  let agentsOnline = true;
  let businessHours = true;
  let prechatDone = !settings.prechat.length;
  let offlineSent = false;
  let typingTimer = null;
  let pageTitle = document.title;

  const toggle = panelToggle(ctx, ui, focusTarget, () => {
    unlockSound();
    view.scrollToEnd();
    markRead();
  });

  function focusTarget() {
    const field = ui.sheet.hidden ? null : ui.sheet.querySelector("input, textarea, select, button");
    return field || (ui.composer.hidden ? ui.closeButton : ui.textarea);
  }

  // --- rendering -------------------------------------------------------------------------

  function render(options) {
    ui.intro.hidden = !store.isEmpty;
    view.render(store.entries(), options);
    renderState();
  }

  function renderState() {
    const offline = !agentsOnline && !conversationId;
    ui.notice.textContent = !agentsOnline ? (businessHours ? t.offline : t.closed_hours) + " " + settings.reply_time : "";
    ui.endButton.hidden = !conversationId;
    let sheet = null;
    if (offline && !offlineSent) sheet = "offline";
    else if (closedConversation) sheet = "rating";
    else if (!prechatDone && !conversationId && !offline) sheet = "prechat";
    const changed = showSheet(sheet);
    ui.composer.hidden = sheet === "offline" || sheet === "prechat";
    // A form that replaced the one in use takes the focus, so keyboard users are never left nowhere.
    const active = ctx.root.activeElement;
    if (changed && toggle.isOpen() && (!active || !active.offsetParent)) focusTarget().focus();
    const last = lastOwnSeq();
    ui.receipt.textContent = last && agentReadSeq >= last ? t.seen : "";
    const count = unreadCount(messages(), conversationId, readSeq);
    const shown = toggle.isOpen() && !document.hidden ? 0 : count;
    ctx.badge.hidden = shown === 0;
    ctx.badge.textContent = shown > 99 ? "99+" : String(shown);
    ctx.unreadText.textContent = shown === 0 ? "" : shown === 1 ? t.unread_one : fill(t.unread_many, { count: shown });
    if (shown > 0 || /^\(\d+\+?\) /.test(document.title)) {
      if (!/^\(\d+\+?\) /.test(document.title)) pageTitle = document.title;
      document.title = titleWithCount(pageTitle, shown);
    }
  }

  function messages() {
    return Array.from(store.confirmed.values(), (entry) => entry.message);
  }

  function lastOwnSeq() {
    let last = 0;
    for (const m of messages()) {
      if (m.conversation_id === conversationId && m.sender === "visitor" && m.seq > last) last = m.seq;
    }
    return last;
  }

  function attachmentBody(message) {
    const file = message.attachment;
    if (!file || typeof file.url !== "string") return null;
    // The server signed this link for us (short-lived, this file of this conversation only): it needs no
    // cookie and never carries the page session token.
    const url = file.url;
    if (file.image) {
      return h("p", { class: "lc-msg-body" }, [
        h("a", { href: url, target: "_blank", rel: "noopener" }, [h("img", { class: "lc-msg-image", src: url, alt: file.name })]),
      ]);
    }
    return h("p", { class: "lc-msg-body" }, [h("a", { href: url, download: file.name, text: fill(t.download, { name: file.name }) })]);
  }

  // --- the sheet: pre-chat, leave-a-message, or rating --------------------------------------

  let sheetKind = null;
  function showSheet(kind) {
    if (kind === sheetKind) return false;
    sheetKind = kind;
    ui.sheet.replaceChildren();
    ui.sheet.hidden = !kind;
    if (kind === "prechat") ui.sheet.append(fieldsForm(t.prechat_intro, settings.prechat, t.start_chat, submitPrechat));
    if (kind === "offline") ui.sheet.append(fieldsForm(t.offline_intro, offlineFields(), t.leave_message, submitOffline));
    if (kind === "rating") ui.sheet.append(ratingSheet());
    return true;
  }

  function offlineFields() {
    return [
      { name: "name", label: t.name, type: "text", required: true, max_length: 200 },
      { name: "email", label: t.email, type: "email", required: true, max_length: 320 },
      { name: "message", label: t.message, type: "textarea", required: true, max_length: settings.max_message_length },
    ];
  }

  function fieldsForm(introText, specs, submitText, onSubmit) {
    const fields = specs.map((spec) => Object.assign({ spec }, formField(spec, t)));
    const form = h("form", { novalidate: true }, [h("p", { text: introText })].concat(fields.map((f) => f.field), [
      h("button", { type: "submit", class: "lc-primary", text: submitText }),
    ]));
    function showProblems(problems) {
      for (const f of fields) f.showError(problems[f.spec.name] && String(problems[f.spec.name]));
      const first = fields.find((f) => problems[f.spec.name]);
      if (first) first.input.focus();
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = {};
      for (const f of fields) values[f.spec.name] = f.input.value.trim();
      const problems = formProblems(specs, values, t);
      showProblems(problems);
      if (Object.keys(problems).length === 0) onSubmit(values, showProblems);
    });
    return form;
  }

  // A form's ack: true when it went through; otherwise the server's words go next to each field.
  function accepted(ack, showProblems) {
    if (ack.ok) {
      showError("");
      return true;
    }
    const problems = {};
    for (const [name, list] of Object.entries(ack.error.fields || {})) {
      problems[name] = Array.isArray(list) ? list[0] : String(list);
    }
    showProblems(problems);
    showError(errorText(ack, t.send_failed));
    return false;
  }

  function submitPrechat(values, showProblems) {
    request(socket, "submit_prechat", { fields: values }).then((ack) => {
      if (!accepted(ack, showProblems)) return;
      prechatDone = true;
      render();
      ui.textarea.focus();
    });
  }

  function submitOffline(values, showProblems) {
    postJson(settings.urls.offline, values).then((ack) => {
      if (!accepted(ack, showProblems)) return;
      offlineSent = true;
      receive(ack.message);
      render({ scrollToEnd: true });
      ui.status.textContent = t.offline_sent;
      ui.textarea.focus();
    });
  }

  function headers(extra) {
    return Object.assign(session ? { "X-LiveChat-Session": session } : {}, extra);
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(body),
    }).then(readAck, () => normalizeAck(null));
  }

  function readAck(response) {
    return response.json().then(normalizeAck, () => normalizeAck(null));
  }

  function ratingSheet() {
    const rating = ratingForm(t);
    const conversation = closedConversation;
    rating.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = rating.form.querySelector("input[name=rating]:checked");
      if (!chosen) {
        rating.form.querySelector("input[name=rating]").focus();
        return;
      }
      const payload = { conversation_id: conversation, rating: Number(chosen.value) };
      if (rating.comment.value.trim()) payload.comment = rating.comment.value.trim();
      request(socket, "rate_conversation", payload).then((ack) => {
        if (!ack.ok && ack.error.code !== "unknown_event") {
          showError(errorText(ack, t.send_failed));
          return;
        }
        showError("");
        closedConversation = null;
        // A server without ratings answers unknown_event: then there is nothing to thank for.
        ui.status.textContent = ack.ok ? t.rate_thanks : "";
        render();
        ui.textarea.focus();
      });
    });
    return rating.form;
  }

  // --- messages --------------------------------------------------------------------------

  // Adds a server message; tells the host page about it if it is new (not history, not a duplicate).
  function receive(message) {
    if (!store.add(message)) return false;
    if (message.conversation_id && message.sender !== "system" && message.conversation_id !== closedConversation) {
      if (!conversationId || message.conversation_id !== conversationId) {
        conversationId = message.conversation_id;
        readSeq = 0;
        agentReadSeq = 0;
        closedConversation = null;
      }
    }
    noteSeq(message);
    if (historyLoaded) {
      ctx.emit("message", Object.assign({}, message));
      if (message.sender === "agent") {
        hideTyping();
        if (settings.sound && (!toggle.isOpen() || document.hidden)) chime();
      }
    }
    return true;
  }

  function noteSeq(message) {
    if (!Number.isInteger(message.seq)) return;
    if (message.conversation_id !== resume.conversation) {
      if (message.conversation_id !== conversationId) return;
      resume = { conversation: conversationId, seq: 0, ahead: new Set(), fetching: false };
    }
    if (message.seq > resume.seq) resume.ahead.add(message.seq);
    while (resume.ahead.delete(resume.seq + 1)) resume.seq += 1;
    if (resume.ahead.size) fillGap();
  }

  // Everything up to `seq` is here, except messages deleted meanwhile (which never come back).
  function covered(seq) {
    resume.seq = Math.max(resume.seq, seq);
    for (const s of resume.ahead) if (s <= resume.seq) resume.ahead.delete(s);
  }

  // A new_message skipped a seq (a lost broadcast): ask for what lies between.
  function fillGap() {
    if (resume.fetching || !socket.connected || !resume.conversation) return;
    const asked = resume;
    asked.fetching = true;
    request(socket, "fetch_messages", { conversation_id: asked.conversation, after_seq: asked.seq }).then((ack) => {
      asked.fetching = false;
      if (!ack.ok || asked !== resume) return;
      for (const message of ack.messages || []) receive(message);
      if (!ack.more && Number.isInteger(ack.last_seq)) covered(ack.last_seq);
      if (ack.more || resume.ahead.size) fillGap();
      render();
      markRead();
    });
  }

  function markRead() {
    if (!conversationId || !toggle.isOpen() || document.hidden) return;
    let last = 0;
    for (const m of messages()) if (m.conversation_id === conversationId && m.seq > last) last = m.seq;
    if (last > readSeq) {
      readSeq = last;
      socket.emit("mark_read", { seq: last }, () => {});
    }
    renderState();
  }

  function showError(text) {
    ui.error.textContent = text;
  }

  function submit() {
    const body = ui.textarea.value.trim();
    if (!body) return;
    showError("");
    ui.status.textContent = "";
    typingSignal.stop();
    const clientId = newClientId();
    store.addPending(clientId, body);
    outbox.send({ client_id: clientId, body });
    ui.textarea.value = "";
    render({ scrollToEnd: true });
  }

  function onSendAck(payload, ack) {
    store.removePending(payload.client_id);
    if (ack.ok) {
      receive(ack.message);
    } else {
      showError(errorText(ack, t.send_failed));
      // Nothing was stored on an error ack: give the text back so the visitor can retry or edit it.
      const current = ui.textarea.value;
      ui.textarea.value = current.trim() ? payload.body + "\n" + current : payload.body;
    }
    render();
    markRead();
  }

  function upload(file) {
    const problem = fileProblem(file, settings.attachments, t);
    if (problem) {
      showError(problem);
      return;
    }
    showError("");
    const clientId = newClientId();
    store.addPending(clientId, fill(t.uploading, { name: file.name }));
    render({ scrollToEnd: true });
    const form = new FormData();
    form.append("client_id", clientId);
    form.append("file", file, file.name);
    sessionReady
      .then(() =>
        fetch(settings.urls.upload, { method: "POST", credentials: "same-origin", headers: headers({}), body: form }),
      )
      .then(readAck, () => normalizeAck(null))
      .then((ack) => {
        store.removePending(clientId);
        if (ack.ok) receive(ack.message);
        else showError(errorText(ack, t.upload_failed));
        render({ scrollToEnd: true });
        markRead();
      });
  }

  ui.composer.addEventListener("submit", (event) => {
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
  ui.textarea.addEventListener("input", () => {
    if (ui.textarea.value.trim()) typingSignal.input();
    else typingSignal.stop();
  });
  if (ui.attachButton) {
    ui.attachButton.addEventListener("click", () => ui.fileInput.click());
    ui.fileInput.addEventListener("change", () => {
      for (const file of Array.from(ui.fileInput.files || [])) upload(file);
      ui.fileInput.value = "";
    });
  }
  ui.endButton.addEventListener("click", () => {
    request(socket, "end_conversation", {}).then((ack) => {
      if (!ack.ok) showError(errorText(ack, t.send_failed));
      ui.textarea.focus();
    });
  });
  document.addEventListener("visibilitychange", () => {
    markRead();
    renderState();
  });

  // --- connection ------------------------------------------------------------------------

  // After a consent choice or an erasure: the server decides who we are from the new cookies.
  function reconnect() {
    socket.disconnect();
    socket.connect();
    ui.status.textContent = t.connecting;
    return true;
  }

  // Our data is gone from the server: the thread goes too, and we come back as a new visitor.
  function forgetThread() {
    session = null;
    remembered = true;
    conversationId = null;
    closedConversation = null;
    readSeq = 0;
    agentReadSeq = 0;
    prechatDone = !settings.prechat.length;
    store.clear();
    render();
    return reconnect();
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    ui.typing.textContent = "";
  }

  // The visitor's IANA time zone, so agents can see their local time (null when the browser will not say).
  function localTimeZone() {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return /^[A-Za-z0-9_+/-]{1,64}$/.test(zone || "") ? zone : null;
    } catch (error) {
      return null;
    }
  }

  function hello() {
    const page = { url: location.href, title: pageTitle, referrer: document.referrer };
    resume.fetching = false; // a request of the last connection never resolves
    const since = resume.conversation ? { conversation_id: resume.conversation, last_seq: resume.seq } : {};
    request(socket, "hello", Object.assign({ page, timezone: localTimeZone() }, since)).then((ack) => {
      if (!ack.ok) {
        ui.status.textContent = errorText(ack, t.unavailable);
        return;
      }
      session = typeof ack.session === "string" ? ack.session : session;
      sessionKnown();
      remembered = ack.remembered !== false;
      outbox.persist(remembered); // local storage only for a visitor who allowed being recognised
      // Merge, don't replace: after a reconnect this fills in whatever was missed meanwhile.
      for (const message of ack.history || []) store.add(message);
      conversationId = ack.conversation ? ack.conversation.id : null;
      if (conversationId) closedConversation = null;
      for (const message of ack.messages || []) receive(message);
      if (ack.conversation && resume.conversation === ack.conversation.id) {
        if (ack.more) fillGap();
        else covered(ack.conversation.last_seq);
      }
      historyLoaded = true;
      const read = ack.read || {};
      readSeq = Math.max(readSeq, read.visitor || 0);
      agentReadSeq = Math.max(agentReadSeq, read.agent || 0);
      agentsOnline = ack.agents_online !== false;
      businessHours = ack.business_hours !== false;
      prechatDone = prechatDone || ack.prechat_done === true;
      privacy.update(ack.privacy);
      ui.status.textContent = "";
      render();
      markRead();
    });
  }

  ui.status.textContent = t.connecting;
  socket.on("connect", () => {
    hello(); // every (re)connect: the server may have restarted or we may have missed messages
    outbox.restart();
  });
  socket.on("disconnect", () => {
    ui.status.textContent = socket.active ? t.reconnecting : t.unavailable;
  });
  socket.on("connect_error", () => {
    ui.status.textContent = socket.active ? t.reconnecting : t.unavailable;
  });
  socket.on("new_message", (message) => {
    if (receive(message)) {
      render();
      markRead();
    }
  });
  socket.on("conversation_status", (event) => {
    if (!event || typeof event !== "object") return;
    if (event.status === "closed" && event.conversation_id === conversationId) {
      conversationId = null;
      closedConversation = event.conversation_id;
      typingSignal.stop();
      hideTyping();
      ui.status.textContent = (event.by === "visitor" ? t.ended_by_visitor : t.ended_by_agent) + " " + t.new_chat;
    } else if (event.status === "open") {
      conversationId = event.conversation_id;
      closedConversation = null;
      ui.status.textContent = "";
    }
    render();
  });
  socket.on("typing", (event) => {
    if (!event || event.conversation_id !== conversationId) return;
    hideTyping();
    if (event.typing) {
      ui.typing.textContent = fill(t.typing, { name: typeof event.author === "string" ? event.author : t.agent });
      typingTimer = setTimeout(hideTyping, 8000); // a lost "typing: false" must not linger
    }
  });
  socket.on("read", (event) => {
    if (!event || event.conversation_id !== conversationId || !Number.isInteger(event.seq)) return;
    if (event.reader === "agent") agentReadSeq = Math.max(agentReadSeq, event.seq);
    if (event.reader === "visitor") readSeq = Math.max(readSeq, event.seq); // another tab read them
    renderState();
  });
  socket.on("availability", (event) => {
    if (!event || typeof event.agents_online !== "boolean") return;
    agentsOnline = event.agents_online;
    render();
  });
  socket.on("invitation", (event) => {
    if (!event || !event.message) return;
    if (receive(event.message)) render({ scrollToEnd: true });
    toggle.open();
  });
  socket.on("message_deleted", (event) => {
    if (!event || !store.confirmed.delete(event.message_id)) return;
    render();
  });

  return { open: toggle.open, close: toggle.close, toggle: toggle.toggle };
}
