// The visitor chat, loaded by loader.js on first open (or at once for an ongoing conversation).
// It adds the panel to the launcher's shadow root and talks to /livechat over Socket.IO
// (docs/protocol.md). It defines no globals: it hands its start function to window.LiveChat.
import { io } from "socket.io-client";
import styles from "./widget.css";
import { normalizeAck, request } from "./shared/ack.js";
import { h } from "./shared/dom.js";
import { newClientId } from "./shared/ids.js";
import { GapFiller } from "./shared/gaps.js";
import { MessageStore } from "./shared/messages.js";
import { Outbox } from "./shared/outbox.js";
import { Store } from "./shared/store.js";
import { adoptStyles } from "./shared/styles.js";
import { ThreadView } from "./shared/thread-view.js";
import { TypingSignal } from "./shared/typing.js";
import { fileProblem } from "./widget/files.js";
import { formProblems } from "./widget/forms.js";
import { fullScreen, trapTab } from "./widget/focus-trap.js";
import { buildPanel, formField, ratingForm } from "./widget/panel.js";
import { PanelMemory } from "./widget/panel-memory.js";
import { consentPrompt, createPrivacy } from "./widget/privacy.js";
import { chime, unlockSound } from "./widget/sound.js";
import { fill, plural } from "./widget/text.js";
import { transcriptLine } from "./widget/transcript.js";
import { titleWithCount, unreadCount } from "./widget/unread.js";
import { emojiButton } from "./widget/emoji-button.js";
import { createPreview } from "./widget/preview.js";
import { showTeam } from "./widget/team.js";
import { busyBackoff, busyRetryAfter } from "./widget/busy.js";

const MOUNT = Symbol.for("livechat.mount");
const RECONNECT_DELAY = 1000; // ms, the reconnection backoff's base and cap while the server is not busy
const RECONNECT_DELAY_MAX = 10000;
const FALLBACK = { strings: { chat: "Chat", close_chat: "Close chat", unavailable: "Chat is unavailable right now." } };

/** Shadow roots that have our styles: a chat started again (LiveChat.setLanguage) must not add them twice. */
const styled = new WeakSet();

if (window.LiveChat && typeof window.LiveChat[MOUNT] === "function") window.LiveChat[MOUNT](start);

/**
 * settings.json (docs/widget.md), as far as the chat reads it.
 * @typedef {import("./widget/panel.js").PanelSettings & import("./widget/text.js").PluralSettings & {
 *   language: string, prechat: import("./widget/forms.js").FieldSpec[], reply_time: string, sound: boolean, preview: boolean,
 *   max_message_length: number, reply_by_email?: boolean, attachments: import("./widget/files.js").Limits,
 *   urls: { consent: string, delete_data: string, offline: string, upload: string, privacy: string, my_data: string,
 *   profile: string, emoji?: string | null } }} WidgetSettings
 */

/** @typedef {ReturnType<typeof buildPanel>} PanelUi */

// ctx: { host, root, app, launcher, badge, unreadText, config, emit } from the loader.
/** @param {LiveChatContext} ctx */
function start(ctx) {
  if (!styled.has(ctx.root)) {
    adoptStyles(ctx.root, styles, ctx.config.nonce);
    styled.add(ctx.root);
  }
  /** @type {LiveChatChat | null} */
  let chat = null;
  let wantOpen = false;
  let destroyed = false;
  /** @type {LiveChatChat} */
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
    isOpen: () => wantOpen,
    page() {}, // the first hello tells the server where we are
    destroy() {
      destroyed = true;
    },
  };
  fetch(ctx.config.settingsUrl, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
    .catch(() => null)
    .then((settings) => {
      if (destroyed) return;
      chat = settings ? createChat(ctx, settings) : unavailable(ctx);
      if (wantOpen) chat.open();
    });
  return {
    open: () => (chat || waiting).open(),
    close: () => (chat || waiting).close(),
    toggle: () => (chat || waiting).toggle(),
    isOpen: () => (chat || waiting).isOpen(),
    page: (/** @type {{ url: string, title: string }} */ page) => (chat || waiting).page(page),
    destroy: () => (chat || waiting).destroy(),
  };
}


// Without its settings the chat cannot speak the visitor's language or follow the site's rules.
/** @param {LiveChatContext} ctx */
function unavailable(ctx) {
  const ui = buildPanel(Object.assign({ title: "Chat", greeting: "", attachments: {} }, FALLBACK));
  ui.composer.hidden = true;
  ui.status.textContent = FALLBACK.strings.unavailable;
  ctx.app.append(ui.panel);
  const toggle = panelToggle(ctx, ui, () => ui.closeButton);
  return Object.assign(toggle, {
    page() {},
    destroy() {
      toggle.close();
      ui.panel.remove();
    },
  });
}

/**
 * @param {LiveChatContext} ctx
 * @param {PanelUi} ui
 * @param {() => HTMLElement} focusTarget
 * @param {() => void} [onOpen]
 * @param {() => void} [onClose]
 */
function panelToggle(ctx, ui, focusTarget, onOpen = () => {}, onClose = () => {}) {
  function isOpen() {
    return !ui.panel.hidden;
  }
  // `focus` false: the panel comes back open on a new page (panel memory) and leaves the focus where it is.
  function open(focus = true) {
    if (!isOpen()) {
      if (fullScreen()) ui.panel.setAttribute("aria-modal", "true");
      else ui.panel.removeAttribute("aria-modal");
      ui.panel.hidden = false;
      ctx.app.setAttribute("data-open", "");
      ctx.launcher.setAttribute("aria-expanded", "true");
      onOpen();
      ctx.emit("open", null);
    }
    if (focus !== false) focusTarget().focus();
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
  ui.panel.addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Tab" && fullScreen()) {
      trapTab(ui.panel, ctx.root, event);
    }
  });
  return { open, close, toggle: () => (isOpen() ? close() : open()), isOpen };
}

/**
 * Everything the chat knows, in one object; render() draws it. Changed only through store.update().
 * @typedef {object} WidgetState
 * @property {MessageStore} messages the thread (changed in place: name it in the patch after a change)
 * @property {string | null} session page session token from hello: our identity on reconnects and HTTP calls
 * @property {boolean} remembered false when the server knows us without a cookie (session token only)
 * @property {boolean} historyLoaded the first hello answered: later messages are news for the host page
 * @property {string | null} conversationId the open conversation, if any
 * @property {string | null} closedConversation the conversation just closed (rating form), if any
 * @property {number} readSeq our read mark in the open conversation
 * @property {number} agentReadSeq the agent's read mark
 * @property {boolean} agentsOnline
 * @property {boolean} businessHours
 * @property {boolean} prechatDone
 * @property {string | null} offlineEmail the address the visitor left a message with on this page
 * @property {boolean} offlineAgain the visitor asked to leave another message
 * @property {boolean} open the panel is open
 * @property {boolean} pageVisible the host page's tab is visible
 * @property {string} status the status line (connection, thanks, chat ended)
 * @property {string} error the error line
 * @property {string | null} typingName who is typing on the agents' side, if anyone
 * @property {import("./widget/privacy.js").Privacy | null} privacy the hello ack's `privacy`
 * @property {import("./widget/team.js").Member[]} team who is online, for the header (`hello`, `team`)
 */

/**
 * @param {LiveChatContext} ctx
 * @param {WidgetSettings} settings
 */
function createChat(ctx, settings) {
  const t = settings.strings;
  const ui = buildPanel(settings);
  const privacy = createPrivacy(t, settings.urls, {
    choose: (choice) => postJson(settings.urls.consent, { choice }).then((ack) => ack.ok && reconnect()),
    erase: () => postJson(settings.urls.delete_data, { confirm: true }).then((ack) => ack.ok && forgetThread()),
    focusChat: () => focusTarget().focus(),
    download: downloadWithSession,
    profile: () =>
      fetch(settings.urls.profile, { credentials: "same-origin", headers: headers({}) })
        .then((response) => (response.ok ? response.json() : null))
        .then((body) => (body && body.profile) || null, () => null),
    saveProfile: (values) => postJson(settings.urls.profile, values),
  });
  ui.notice.after(privacy.consent);
  ui.panel.append(privacy.footer);
  ctx.app.append(ui.panel);
  // Header, launcher and composer extras: the team, the reply preview, the emoji picker.
  const siteFaces = Array.from(ui.faces.childNodes);
  const preview = createPreview(ctx, t, () => toggle.open());
  const emoji = ui.emojiButton && settings.urls.emoji ? emojiButton(ctx, settings.urls.emoji, t, ui.emojiButton, /** @type {HTMLTextAreaElement} */ (ui.textarea)) : null;

  const view = new ThreadView(ui.log, { ownSender: "visitor", renderBody: attachmentBody, strings: { ...t, agent: t.agent, sending: t.sending } });
  /** @type {Store<WidgetState>} */
  const store = new Store(
    /** @type {WidgetState} */ ({
      messages: new MessageStore("visitor"),
      session: null,
      remembered: true,
      historyLoaded: false,
      conversationId: null,
      closedConversation: null,
      readSeq: 0,
      agentReadSeq: 0,
      agentsOnline: true,
      businessHours: true,
      prechatDone: !settings.prechat.length,
      offlineEmail: null,
      offlineAgain: false,
      open: false,
      pageVisible: !document.hidden,
      status: t.connecting,
      error: "",
      typingName: null,
      privacy: null,
      team: [],
    }),
    render,
  );
  const state = store.state;
  const messages = state.messages;
  let sessionKnown = () => {};
  // Uploads name the uploader by the session token: one chosen before the first hello answered waits for it.
  const sessionReady = new Promise((resolve) => (sessionKnown = () => resolve(undefined)));
  const socket = io(location.origin + "/livechat", {
    path: ctx.config.socketioPath,
    auth: (send) => send({ session: state.session, language: settings.language }),
    // Jittered exponential backoff: after a server restart a thousand widgets do not all come back at once.
    reconnectionDelay: RECONNECT_DELAY,
    reconnectionDelayMax: RECONNECT_DELAY_MAX,
    randomizationFactor: 0.5,
  });
  const outbox = new Outbox(socket, onSendAck, { key: "livechat:outbox" });
  const transcript = transcriptLine(ui.composer, t, (id) => request(socket, "email_transcript", { conversation_id: id }));
  // Resume: the highest seq of the open conversation we have without a gap (sent in hello), and gap filling.
  const gaps = new GapFiller({
    fetch: (conversationId, afterSeq) => request(socket, "fetch_messages", { conversation_id: conversationId, after_seq: afterSeq }),
    receive: (fetched) => {
      for (const message of fetched) receive(message);
      store.update({ messages });
    },
    ready: () => socket.connected,
  });
  const typingSignal = new TypingSignal((typing) => {
    if (state.conversationId) socket.emit("typing", { typing }, () => {});
  });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typingTimer;

  const memory = new PanelMemory(ctx.config.remembered);
  /** @type {number | null} */
  let restoreScroll = memory.saved && memory.saved.open ? memory.saved.scroll : null;
  const remember = () => memory.save({ open: toggle.isOpen(), scroll: view.isNearEnd() ? null : ui.log.scrollTop });
  const toggle = panelToggle(
    ctx,
    ui,
    focusTarget,
    () => {
      unlockSound();
      store.update({ open: true }, { scrollToEnd: true });
      remember();
    },
    () => {
      if (emoji) emoji.close();
      store.update({ open: false });
      remember();
    },
  );
  window.addEventListener("pagehide", remember);

  function focusTarget() {
    const field = ui.sheet.hidden ? null : /** @type {HTMLElement | null} */ (ui.sheet.querySelector("input, textarea, select, button"));
    return field || (ui.composer.hidden ? ui.closeButton : ui.textarea);
  }

  // --- rendering: the one place that writes state to the page ---------------------------------

  /** @type {string | null} */
  let sheetKind = null; // the sheet on screen
  let pageTitle = document.title; // the host page's own title, without our "(n) "
  let unreadShown = 0; // what the host page was last told (LiveChat.on("unread"))
  let noticeSent = false; // "noticed" posted once per page

  /** @type {import("./shared/store.js").Render<WidgetState>} */
  function render(s, changed, hints) {
    syncReadMark(s);
    ui.panel.toggleAttribute("data-empty", s.messages.isEmpty);
    if (changed.has("team") || changed.has("agentsOnline") || changed.has("historyLoaded")) {
      if (s.historyLoaded) showTeam(ui, s.team, s.agentsOnline, t, siteFaces);
    }
    view.render(s.messages.entries(), { scrollToEnd: hints.scrollToEnd });
    if (changed.has("privacy")) privacy.update(s.privacy);
    // Notice mode: the notice is on screen now, so recognition may start (docs/privacy.md, "noticed").
    if (s.open && !noticeSent && s.privacy && s.privacy.noticed === false && consentPrompt(s.privacy) === "notice") {
      noticeSent = true;
      postJson(settings.urls.consent, { choice: "noticed" }).then((ack) => ack.ok && reconnect());
    }
    ui.status.textContent = s.status;
    ui.error.textContent = s.error;
    ui.typing.textContent = s.typingName ? fill(t.typing, { name: s.typingName }) : "";
    // A message left while nobody was online waits for an answer: while nobody is online still, the panel
    // says what happens next instead of offering a live chat no one would read.
    const left = leftMessageWaiting(s);
    const offline = !s.agentsOnline && (!s.conversationId || left);
    transcript.update(undefined, s.conversationId || s.closedConversation);
    /** @type {string | null} */
    let sheet = null;
    // No form before the first hello answered: until then we do not know whether anyone is online, whether
    // this visitor already gave their pre-chat details, or whether a conversation is open (no flash of the
    // wrong form).
    if (!s.historyLoaded) sheet = null;
    else if (offline) sheet = left && !s.offlineAgain ? "sent" : "offline";
    else if (!s.prechatDone && !s.conversationId) sheet = "prechat";
    const form = sheet === "offline" || sheet === "prechat";
    // The offline form and its sent state say themselves that nobody is online; the greeting ("we'll reply
    // right here") would contradict them: one message at a time.
    ui.notice.textContent = !s.agentsOnline && !offline ? (s.businessHours ? t.offline : t.closed_hours) + " " + settings.reply_time : "";
    ui.intro.hidden = !s.messages.isEmpty || sheet !== null;
    ui.log.hidden = form && s.messages.isEmpty;
    ui.endButton.hidden = !s.conversationId || sheet === "sent";
    if (form) ui.panel.setAttribute("data-form", "");
    else ui.panel.removeAttribute("data-form");
    // The key names what the sheet's words depend on (the socket's copy of a left message may come first).
    ui.panel.toggleAttribute("data-sheet", sheet !== null);
    const sheetChanged = showSheet(sheet, sheet && [sheet, s.businessHours, sheet === "sent" && s.offlineEmail].join(":"));
    showRating(s);
    if (restoreScroll !== null && s.historyLoaded && s.open) {
      ui.log.scrollTop = restoreScroll; // where the visitor was reading on the previous page
      restoreScroll = null;
    }
    ui.composer.hidden = sheet !== null;
    // A form that replaced the one in use takes the focus, so keyboard users are never left nowhere.
    const active = /** @type {HTMLElement | null} */ (ctx.root.activeElement);
    if (hints.focusComposer && !ui.composer.hidden) ui.textarea.focus();
    else if (sheetChanged && s.open && (!active || !active.offsetParent)) focusTarget().focus();
    const last = lastOwnSeq(s);
    ui.receipt.textContent = last && s.agentReadSeq >= last ? t.seen : "";
    const count = unreadCount(confirmedMessages(), s.conversationId, s.readSeq);
    const shown = s.open && s.pageVisible ? 0 : count;
    ctx.badge.hidden = shown === 0;
    ctx.badge.textContent = shown > 99 ? "99+" : String(shown);
    ctx.unreadText.textContent = shown === 0 ? "" : plural(settings, "unread", shown);
    const latest = settings.preview && !s.open && shown > 0 ? latestUnread(s) : null;
    preview.update(latest, latest ? s.team.find((member) => member.name === latest.author) : undefined);
    if (shown !== unreadShown) {
      unreadShown = shown;
      ctx.emit("unread", { count: shown });
    }
    if (shown > 0 || /^\(\d+\+?\) /.test(document.title)) {
      if (!/^\(\d+\+?\) /.test(document.title)) pageTitle = document.title;
      document.title = titleWithCount(pageTitle, shown);
    }
  }

  // The newest agent message of the open conversation the visitor has not read (the launcher's preview).
  /** @param {WidgetState} s */
  function latestUnread(s) {
    /** @type {any} */
    let latest = null;
    for (const m of confirmedMessages()) {
      if (m.conversation_id === s.conversationId && m.sender === "agent" && (m.seq || 0) > s.readSeq) latest = m;
    }
    return latest;
  }

  // While the visitor can see the open conversation, everything in it is read: tell the server once.
  /** @param {WidgetState} s */
  function syncReadMark(s) {
    if (!s.conversationId || !s.open || !s.pageVisible) return;
    let last = 0;
    for (const m of confirmedMessages()) if (m.conversation_id === s.conversationId && m.seq > last) last = m.seq;
    if (last > s.readSeq) {
      store.update({ readSeq: last }); // applied at once, so this render already draws it
      socket.emit("mark_read", { seq: last }, () => {});
    }
  }

  function confirmedMessages() {
    return Array.from(messages.confirmed.values(), (entry) => entry.message);
  }

  /** @param {WidgetState} s */
  function lastOwnSeq(s) {
    let last = 0;
    for (const m of confirmedMessages()) {
      if (m.conversation_id === s.conversationId && m.sender === "visitor" && m.seq > last) last = m.seq;
    }
    return last;
  }

  /** @param {import("./shared/messages.js").Message} message */
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

  // The rating request: a card at the end of the thread (not a sheet that squeezes it), with the composer
  // still there below. Messages that arrive later go above it (ThreadView inserts before what it does not own).
  /** @type {{ node: HTMLElement, conversation: string } | null} */
  let ratingCard = null;
  /** @param {WidgetState} s */
  function showRating(s) {
    const wanted = s.historyLoaded && sheetKind === null ? s.closedConversation : null;
    if (ratingCard && ratingCard.conversation === wanted) return;
    if (ratingCard) ratingCard.node.remove();
    ratingCard = null;
    if (!wanted) return;
    ratingCard = { node: h("div", { class: "lc-card" }, [ratingSheet(wanted)]), conversation: wanted };
    ui.log.append(ratingCard.node);
    view.scrollToEnd();
  }

  // --- the sheet: pre-chat or leave-a-message --------------------------------------

  /** @type {string | null} */
  let sheetKey = null; // the sheet and what its text depends on
  /** @type {Record<string, string>} */
  let leftWith = {}; // name and email of the last left message, for another one

  /**
   * @param {string | null} kind
   * @param {string | null} key
   */
  function showSheet(kind, key) {
    if (key === sheetKey) return false;
    sheetKind = kind;
    sheetKey = key;
    ui.sheet.replaceChildren();
    ui.sheet.hidden = !kind;
    if (kind === "prechat") ui.sheet.append(fieldsForm(null, t.prechat_intro, settings.prechat, t.start_chat, submitPrechat));
    if (kind === "offline") {
      const intro = (settings.reply_by_email ? t.offline_intro : t.offline_intro_plain) + " " + settings.reply_time;
      const title = state.businessHours ? t.offline : t.closed_hours;
      ui.sheet.append(fieldsForm(title, intro, offlineFields(), t.leave_message, submitOffline, leftWith));
    }
    if (kind === "sent") ui.sheet.append(sentCard());
    return true;
  }

  // What happens next, in the words that are true for this site and this visitor: a reply by email needs
  // the site's mail; without it the reply waits in the chat, which only a remembered visitor comes back to.
  function sentCard() {
    const email = state.offlineEmail;
    let next;
    if (settings.reply_by_email) next = email ? fill(t.offline_sent_email, { email }) : t.offline_sent_later;
    else if (state.remembered || !email) next = t.offline_sent_here;
    else next = fill(t.offline_sent_contact, { email });
    const again = h("button", { type: "button", class: "lc-secondary", text: t.offline_again });
    again.addEventListener("click", () => store.update({ offlineAgain: true }));
    return h("div", { class: "lc-sent", role: "status" }, [
      h("h3", { class: "lc-sheet-title", text: t.offline_sent }),
      h("p", { text: next + " " + settings.reply_time }),
      again,
    ]);
  }

  // The open conversation began as a left message and no agent has answered it yet.
  /** @param {WidgetState} s */
  function leftMessageWaiting(s) {
    if (!s.conversationId) return false;
    /** @type {import("./shared/messages.js").Message | null} */
    let first = null;
    for (const m of confirmedMessages()) {
      if (m.conversation_id !== s.conversationId) continue;
      if (m.sender === "agent") return false;
      if (m.sender === "visitor" && (!first || (m.seq || 0) < (first.seq || 0))) first = m;
    }
    return Boolean(first && typeof first.client_id === "string" && first.client_id.startsWith("offline-"));
  }

  function offlineFields() {
    return [
      { name: "name", label: t.name, type: "text", required: true, max_length: 200 },
      { name: "email", label: t.email, type: "email", required: true, max_length: 320 },
      { name: "message", label: t.message, type: "textarea", required: true, max_length: settings.max_message_length },
    ];
  }

  // A form's own field errors are drawn by the form (they belong to its inputs, not to the chat's state).
  /**
   * The fields scroll; the button stays in view below them, however short the panel.
   * @typedef {(problems: Record<string, string>) => void} ShowProblems
   * @param {string | null} title
   * @param {string} introText
   * @param {import("./widget/forms.js").FieldSpec[]} specs
   * @param {string} submitText
   * @param {(values: Record<string, string>, showProblems: ShowProblems) => void} onSubmit
   * @param {Record<string, string>} [initial] values to start from
   */
  function fieldsForm(title, introText, specs, submitText, onSubmit, initial = {}) {
    const fields = specs.map((spec) => Object.assign({ spec }, formField(spec, t)));
    for (const f of fields) if (initial[f.spec.name]) /** @type {HTMLInputElement} */ (f.input).value = initial[f.spec.name];
    const body = h("div", { class: "lc-sheet-body" }, [
      title ? h("h3", { class: "lc-sheet-title", text: title }) : null,
      h("p", { class: "lc-sheet-intro", text: introText }),
    ].concat(fields.map((f) => f.field)));
    const form = h("form", { class: "lc-sheet-fields", novalidate: true }, [
      body,
      h("div", { class: "lc-sheet-actions" }, [h("button", { type: "submit", class: "lc-primary", text: submitText })]),
    ]);
    /** @type {ShowProblems} */
    function showProblems(problems) {
      for (const f of fields) f.showError(problems[f.spec.name] && String(problems[f.spec.name]));
      const first = fields.find((f) => problems[f.spec.name]);
      if (first) first.input.focus();
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      /** @type {Record<string, string>} */
      const values = {};
      for (const f of fields) values[f.spec.name] = f.input.value.trim();
      const problems = formProblems(specs, values, t);
      showProblems(problems);
      if (Object.keys(problems).length === 0) onSubmit(values, showProblems);
    });
    return form;
  }

  // A form's ack: true when it went through; otherwise the server's words go next to each field.
  /**
   * @param {import("./shared/ack.js").Ack} ack
   * @param {ShowProblems} showProblems
   */
  function accepted(ack, showProblems) {
    if (ack.ok) {
      store.update({ error: "" });
      return true;
    }
    /** @type {Record<string, string>} */
    const problems = {};
    for (const [name, list] of Object.entries(ack.error.fields || {})) {
      problems[name] = Array.isArray(list) ? list[0] : String(list);
    }
    showProblems(problems);
    // The field lines say what to fix; the error line only what the visitor can do about the rest.
    store.update({ error: Object.keys(problems).length ? "" : visitorError(ack, t.send_failed) });
    return false;
  }

  /**
   * @param {Record<string, string>} values
   * @param {ShowProblems} showProblems
   */
  function submitPrechat(values, showProblems) {
    request(socket, "submit_prechat", { fields: values }).then((ack) => {
      if (accepted(ack, showProblems)) store.update({ prechatDone: true }, { focusComposer: true });
    });
  }

  /**
   * @param {Record<string, string>} values
   * @param {ShowProblems} showProblems
   */
  function submitOffline(values, showProblems) {
    postJson(settings.urls.offline, values).then((ack) => {
      if (!accepted(ack, showProblems)) return;
      leftWith = { name: values.name, email: values.email };
      receive(ack.message);
      store.update({ offlineEmail: values.email, offlineAgain: false, messages, status: "" }, { scrollToEnd: true });
    });
  }

  // Error text for the visitor: the server's own messages are written for developers and agents (and in
  // English), so the visitor reads what went wrong in their language and what they can do.
  /**
   * @param {import("./shared/ack.js").Ack} ack
   * @param {string} fallback
   */
  function visitorError(ack, fallback) {
    return ack && ack.error && ack.error.code === "rate_limited" ? t.too_many : fallback;
  }

  /** @param {Record<string, string>} extra */
  function headers(extra) {
    return Object.assign(state.session ? { "X-LiveChat-Session": state.session } : {}, extra);
  }

  // Download my data without the cookie (declined, opt-in before a choice, cookies off): the page session
  // names this page's visitor, so the file holds what "Delete my data" would delete.
  /** @param {Event} event */
  function downloadWithSession(event) {
    if (state.remembered || !state.session) return; // the plain link: the cookie names them
    event.preventDefault();
    fetch(settings.urls.my_data, { credentials: "same-origin", headers: headers({}) })
      .then((response) => (response.ok ? response.blob() : Promise.reject(response.status)))
      .then((blob) => {
        const href = URL.createObjectURL(blob);
        h("a", { href, download: "my-chat-data.zip" }).click();
        setTimeout(() => URL.revokeObjectURL(href), 60000);
      })
      .catch(() => store.update({ error: t.send_failed }));
  }

  /**
   * @param {string} url
   * @param {object} body
   */
  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(body),
    }).then(readAck, () => normalizeAck(null));
  }

  /** @param {Response} response */
  function readAck(response) {
    return response.json().then(normalizeAck, () => normalizeAck(null));
  }

  /** @param {string | null} conversation */
  function ratingSheet(conversation) {
    const rating = ratingForm(t);
    rating.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = /** @type {HTMLInputElement | null} */ (rating.form.querySelector("input[name=rating]:checked"));
      if (!chosen) {
        /** @type {HTMLInputElement} */ (rating.form.querySelector("input[name=rating]")).focus();
        return;
      }
      /** @type {{ conversation_id: string | null, rating: number, comment?: string }} */
      const payload = { conversation_id: conversation, rating: Number(chosen.value) };
      if (rating.comment.value.trim()) payload.comment = rating.comment.value.trim();
      request(socket, "rate_conversation", payload).then((ack) => {
        // A server without ratings answers unknown_event, one that has it already conflict: nothing to retry.
        if (!ack.ok && ack.error.code !== "unknown_event" && ack.error.code !== "conflict") {
          store.update({ error: visitorError(ack, t.rate_failed) });
          return;
        }
        store.update({ error: "", closedConversation: null, status: ack.ok ? t.rate_thanks : "" }, { focusComposer: true });
      });
    });
    return rating.form;
  }

  // --- messages --------------------------------------------------------------------------

  // Adds a server message; tells the host page about it if it is new (not history, not a duplicate).
  // The caller names `messages` in its next update.
  /** @param {any} message a message from the server (the store refuses one that is not) */
  function receive(message) {
    if (!messages.add(message)) return false;
    if (message.conversation_id && message.sender !== "system" && message.conversation_id !== state.closedConversation) {
      if (!state.conversationId || message.conversation_id !== state.conversationId) {
        // A new conversation: what was said about the last one (an upload error, a thank-you) is not about it.
        store.update({ conversationId: message.conversation_id, readSeq: 0, agentReadSeq: 0, closedConversation: null, error: "", status: "" });
      }
    }
    // Only the open conversation is resumed; a new one starts its count over.
    if (message.conversation_id === state.conversationId && !gaps.isWatching(message.conversation_id)) {
      gaps.clear();
      gaps.watch(message.conversation_id);
    }
    gaps.note(message);
    if (state.historyLoaded) {
      ctx.emit("message", Object.assign({}, message));
      if (message.sender === "agent") {
        hideTyping();
        if (settings.sound && (!toggle.isOpen() || document.hidden)) chime();
      }
    }
    return true;
  }

  function submit() {
    const body = ui.textarea.value.trim();
    if (!body) return;
    typingSignal.stop();
    const clientId = newClientId();
    messages.addPending(clientId, body);
    outbox.send({ client_id: clientId, body });
    ui.textarea.value = "";
    store.update({ messages, error: "", status: "" }, { scrollToEnd: true });
  }

  /**
   * @param {import("./shared/outbox.js").OutboxPayload} payload
   * @param {import("./shared/ack.js").Ack} ack
   */
  function onSendAck(payload, ack) {
    messages.removePending(payload.client_id);
    if (ack.ok) {
      receive(ack.message);
    } else {
      store.update({ error: visitorError(ack, t.send_failed) });
      // Nothing was stored on an error ack: give the text back so the visitor can retry or edit it.
      const current = ui.textarea.value;
      ui.textarea.value = current.trim() ? payload.body + "\n" + current : payload.body;
    }
    store.update({ messages });
  }

  /** @param {File} file */
  function upload(file) {
    const problem = fileProblem(file, settings.attachments, t);
    if (problem) {
      store.update({ error: problem });
      return;
    }
    const clientId = newClientId();
    messages.addPending(clientId, fill(t.uploading, { name: file.name }));
    store.update({ messages, error: "" }, { scrollToEnd: true });
    const form = new FormData();
    form.append("client_id", clientId);
    form.append("file", file, file.name);
    sessionReady
      .then(() =>
        fetch(settings.urls.upload, { method: "POST", credentials: "same-origin", headers: headers({}), body: form }),
      )
      .then(readAck, () => normalizeAck(null))
      .then((ack) => {
        messages.removePending(clientId);
        if (ack.ok) receive(ack.message);
        // The widget checked size and type by name already: what the server refuses is the content.
        else if (ack.error.code === "invalid") store.update({ error: fill(t.file_refused, { name: file.name }) });
        else store.update({ error: visitorError(ack, t.upload_failed) });
        store.update({ messages }, { scrollToEnd: true });
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
      if (!ack.ok) store.update({ error: visitorError(ack, t.send_failed) });
      ui.textarea.focus();
    });
  });
  const onVisibility = () => store.update({ pageVisible: !document.hidden });
  document.addEventListener("visibilitychange", onVisibility);

  // --- connection ------------------------------------------------------------------------

  // After a consent choice or an erasure: the server decides who we are from the new cookies.
  function reconnect() {
    socket.disconnect();
    socket.connect();
    store.update({ status: t.connecting });
    return true;
  }

  // Our data is gone from the server: the thread goes too, and we come back as a new visitor.
  function forgetThread() {
    messages.clear();
    gaps.clear();
    store.update({
      messages,
      session: null,
      remembered: true,
      conversationId: null,
      closedConversation: null,
      readSeq: 0,
      agentReadSeq: 0,
      prechatDone: !settings.prechat.length,
      offlineEmail: null,
      offlineAgain: false,
    });
    return reconnect();
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    store.update({ typingName: null });
  }

  // The visitor's IANA time zone, so agents can see their local time (null when the browser will not say).
  function localTimeZone() {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return /^[A-Za-z0-9_+/-]{1,64}$/.test(zone || "") ? zone : null;
    } catch {
      return null;
    }
  }

  function hello() {
    const page = { url: location.href, title: pageTitle, referrer: document.referrer };
    gaps.restart(); // a request of the last connection never resolves
    const [resumed] = gaps.watched();
    const since = resumed ? { conversation_id: resumed, last_seq: gaps.lastSeq(resumed) } : {};
    request(socket, "hello", Object.assign({ page, timezone: localTimeZone() }, since)).then((ack) => {
      if (!ack.ok) {
        store.update({ status: visitorError(ack, t.unavailable) });
        return;
      }
      const remembered = ack.remembered !== false;
      transcript.update(typeof ack.transcript_to === "string" ? ack.transcript_to : null, state.conversationId);
      store.update({ session: typeof ack.session === "string" ? ack.session : state.session, remembered });
      sessionKnown();
      // Local storage only for a visitor who allowed being recognised; a reload's unsent messages come back.
      for (const payload of outbox.persist(remembered)) messages.addPending(payload.client_id, payload.body);
      memory.persist(remembered); // session storage: the same rule
      // Merge, don't replace: after a reconnect this fills in whatever was missed meanwhile.
      for (const message of ack.history || []) messages.add(message);
      const conversationId = ack.conversation ? ack.conversation.id : null;
      store.update(conversationId ? { conversationId, closedConversation: null } : { conversationId });
      for (const message of ack.messages || []) receive(message);
      if (ack.conversation && gaps.isWatching(ack.conversation.id)) {
        if (ack.more) gaps.fill(ack.conversation.id);
        else gaps.covered(ack.conversation.id, ack.conversation.last_seq);
      }
      const read = ack.read || {};
      store.update({
        messages,
        historyLoaded: true,
        readSeq: Math.max(state.readSeq, read.visitor || 0),
        agentReadSeq: Math.max(state.agentReadSeq, read.agent || 0),
        agentsOnline: ack.agents_online !== false,
        businessHours: ack.business_hours !== false,
        prechatDone: state.prechatDone || ack.prechat_done === true,
        privacy: ack.privacy,
        team: Array.isArray(ack.team) ? ack.team : state.team,
        status: "",
      });
    });
  }

  socket.on("connect", () => {
    socket.io.reconnectionDelay(RECONNECT_DELAY).reconnectionDelayMax(RECONNECT_DELAY_MAX); // after a busy spell
    hello(); // every (re)connect: the server may have restarted or we may have missed messages
    outbox.restart();
  });
  socket.on("disconnect", () => store.update({ status: socket.active ? t.reconnecting : t.unavailable }));
  socket.on("connect_error", (error) => {
    const wait = busyRetryAfter(error);
    if (wait !== null) {
      // The server is full: the next try (scheduled after this event) waits at least what it asked.
      const { delay, delayMax } = busyBackoff(wait);
      socket.io.reconnectionDelay(delay).reconnectionDelayMax(delayMax);
    }
    store.update({ status: wait !== null ? t.busy : socket.active ? t.reconnecting : t.unavailable });
  });
  socket.on("new_message", (message) => {
    if (receive(message)) store.update({ messages });
  });
  socket.on("conversation_status", (event) => {
    if (!event || typeof event !== "object") return;
    if (event.status === "closed" && event.conversation_id === state.conversationId) {
      typingSignal.stop();
      hideTyping();
      // The server decides whether to ask for a rating (an agent answered: docs/protocol.md, rate).
      store.update({
        conversationId: null,
        closedConversation: event.rate === true ? event.conversation_id : null,
        error: "",
        status: (event.by === "visitor" ? t.ended_by_visitor : t.ended_by_agent) + " " + t.new_chat,
      });
    } else if (event.status === "open") {
      store.update({ conversationId: event.conversation_id, closedConversation: null, error: "", status: "" });
    }
  });
  socket.on("typing", (event) => {
    if (!event || event.conversation_id !== state.conversationId) return;
    hideTyping();
    if (event.typing) {
      store.update({ typingName: typeof event.author === "string" ? event.author : t.agent });
      typingTimer = setTimeout(hideTyping, 8000); // a lost "typing: false" must not linger
    }
  });
  socket.on("read", (event) => {
    if (!event || event.conversation_id !== state.conversationId || !Number.isInteger(event.seq)) return;
    if (event.reader === "agent") store.update({ agentReadSeq: Math.max(state.agentReadSeq, event.seq) });
    if (event.reader === "visitor") store.update({ readSeq: Math.max(state.readSeq, event.seq) }); // another tab read them
  });
  socket.on("availability", (event) => {
    if (!event || typeof event.agents_online !== "boolean") return;
    store.update({ agentsOnline: event.agents_online });
  });
  socket.on("team", (event) => {
    if (event && Array.isArray(event.team)) store.update({ team: event.team });
  });
  socket.on("invitation", (event) => {
    if (!event || !event.message) return;
    if (receive(event.message)) store.update({ messages }, { scrollToEnd: true });
    toggle.open();
  });
  socket.on("message_deleted", (event) => {
    if (!event || !messages.remove(event.message_id)) return;
    store.update({ messages });
  });

  if (t.open_chat) ctx.launcher.setAttribute("aria-label", t.open_chat);
  if (memory.saved && memory.saved.open) toggle.open(false); // it was open on the previous page of this tab
  store.update({}); // the first render: "Connecting…" and the sheet the settings call for
  return {
    open: toggle.open,
    close: toggle.close,
    toggle: toggle.toggle,
    isOpen: toggle.isOpen,
    /** @param {{ url: string, title: string }} page */
    page(page) {
      if (socket.connected) socket.emit("page", { page }, () => {});
    },
    destroy() {
      toggle.close();
      socket.disconnect();
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("pagehide", remember);
      clearTimeout(typingTimer);
      ui.panel.remove();
      preview.remove();
      ctx.badge.hidden = true;
      ctx.unreadText.textContent = "";
      document.title = titleWithCount(pageTitle, 0);
    },
  };
}
