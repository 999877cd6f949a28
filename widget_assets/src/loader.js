// The loader: the only script a host page gets up front. It draws the launcher and defines
// window.LiveChat; the chat itself (widget.js, with socket.io-client) is loaded on first open, or
// at once when the server marked the tag data-ongoing (the visitor has an open conversation).
//
//   <script defer src=".../loader.js" data-livechat data-chat=".../widget.js" data-settings="..."
//     data-socketio-path="/socket.io" data-label="Open chat" data-color="#1d4ed8" ...>
import css from "./launcher.css";
import { h, icon } from "./shared/dom.js";
import { adoptStyles } from "./shared/styles.js";

const MOUNT = Symbol.for("livechat.mount");
// The first invitation check's wait after the page's load event (see watchForInvitation).
const FIRST_CHECK_MS = 2000;
const CHAT_ICON =
  "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5z";

// document.currentScript is only set while this file first runs, so read it before anything async.
const script = document.currentScript || document.querySelector("script[data-livechat]");

// Loading the loader twice (a template included twice) must not create two widgets. A host's stub
// (docs/widget.md: `window.LiveChat = window.LiveChat || function () { (LiveChat.q = LiveChat.q || []).push(arguments) }`)
// queued the calls made before we ran: they are replayed once the API is in place.
const existing = window.LiveChat;
if (!(existing && existing[MOUNT]) && script) boot(script, (existing && existing.q) || []);

/**
 * @param {HTMLScriptElement | HTMLOrSVGScriptElement} script
 * @param {ArrayLike<unknown>[]} queued
 */
function boot(script, queued) {
  const data = script.dataset;
  /** @type {LiveChatConfig} */
  const config = {
    chatUrl: /** @type {string} */ (data.chat),
    settingsUrl: /** @type {string} */ (data.settings),
    socketioPath: data.socketioPath || "/socket.io",
    language: data.language || "en",
    // The nonce attribute reads back empty once applied; the property keeps the value.
    nonce: script.nonce || script.getAttribute("nonce") || "",
    remembered: "remembered" in data,
  };
  /** @type {(ctx: LiveChatContext) => LiveChatChat} */
  let startChat;
  let lastPage = location.href;
  let ready = false;
  /** @type {() => void} */
  let markReady = () => {};
  const readyPromise = new Promise((resolve) => (markReady = () => resolve(undefined)));
  /** @type {Map<string, Set<(detail: unknown) => void>>} */
  const listeners = new Map();
  /** @type {LiveChatLauncher | null} */
  let ui = null;
  /** @type {LiveChatChat | null} */
  let chat = null;
  let loading = false;
  let wantOpen = false;

  /**
   * @param {string} name
   * @param {unknown} detail
   */
  function emit(name, detail) {
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
  }

  function load() {
    if (loading) return;
    loading = true;
    const tag = document.createElement("script");
    tag.src = scriptUrl(config.chatUrl);
    tag.async = true;
    if (config.nonce) tag.nonce = config.nonce;
    tag.onerror = () => {
      loading = false;
      if (ui) ui.launcher.removeAttribute("aria-busy");
    };
    document.head.append(tag);
  }

  // Under `require-trusted-types-for 'script'` a plain string in tag.src is refused: a policy named
  // "livechat" lets through our own same-origin chat bundle and nothing else.
  /** @type {ReturnType<LiveChatTrustedTypes["createPolicy"]> | null} */
  let policy = null;
  /** @param {string} url */
  function scriptUrl(url) {
    const types = window.trustedTypes;
    if (!types) return url;
    try {
      policy ||= types.createPolicy("livechat", {
        createScriptURL(value) {
          // Our two bundles: the chat, and the emoji picker it loads when the visitor opens it.
          if ((value === config.chatUrl || value === data.emoji) && new URL(value, location.href).origin === location.origin) return value;
          throw new TypeError("livechat: not our bundle: " + value);
        },
      });
    } catch {
      return url; // the host's policy does not allow the name: the browser reports it, as it should
    }
    return policy.createScriptURL(url);
  }

  function open() {
    if (chat) return chat.open();
    wantOpen = true;
    if (ui) ui.launcher.setAttribute("aria-busy", "true");
    load();
  }

  function mount() {
    if (!ui) return;
    chat = startChat(Object.assign({ config, emit, scriptUrl }, ui));
    ui.launcher.removeAttribute("aria-busy");
    if (wantOpen) chat.open();
  }

  /** @type {Record<string, (...args: any[]) => unknown>} */
  const methods = {
    /** @param {() => void} [callback] runs once the launcher is on the page */
    ready(callback) {
      if (typeof callback === "function") readyPromise.then(callback);
      return readyPromise;
    },
    open,
    close() {
      if (chat) chat.close();
      wantOpen = false;
    },
    toggle() {
      if (chat) chat.toggle();
      else open();
    },
    /**
     * @param {string} name
     * @param {(detail: unknown) => void} callback
     */
    on(name, callback) {
      if (typeof callback !== "function") throw new TypeError("LiveChat.on needs a callback");
      if (!listeners.has(name)) listeners.set(name, new Set());
      const callbacks = /** @type {Set<(detail: unknown) => void>} */ (listeners.get(name));
      callbacks.add(callback);
      if (name === "ready" && ready) readyPromise.then(() => callback(null)); // it happened before you asked
      return () => callbacks.delete(callback);
    },
    // A single-page app moved to another route: record it like a page load, and tell the agents' live list.
    pageview() {
      const url = location.href;
      if (url === lastPage) return;
      const page = { url, title: document.title, referrer: lastPage };
      lastPage = url;
      if (data.pageViews) {
        fetch(data.pageViews, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(page),
        }).catch(() => {});
      }
      if (chat) chat.page({ url, title: page.title });
    },
    /** @param {string} language a language the site offers (LIVECHAT_LANGUAGES); others fall back */
    setLanguage(language) {
      if (typeof language !== "string" || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(language)) {
        throw new TypeError("LiveChat.setLanguage: not a language tag");
      }
      config.language = language;
      const url = new URL(config.settingsUrl, location.href);
      url.searchParams.set("lang", language);
      config.settingsUrl = url.pathname + url.search;
      if (ui) ui.app.setAttribute("lang", language);
      if (!chat) return;
      // The chat speaks one language from its settings on: start it again in the new one (same conversation).
      wantOpen = chat.isOpen();
      chat.destroy();
      mount();
    },
  };

  /**
   * The API is callable too, so the stub's queued form `LiveChat("open")` keeps working after load.
   * @param {string} name
   * @param {...unknown} args
   */
  function api(name, ...args) {
    const method = methods[name];
    if (typeof method !== "function") throw new TypeError("LiveChat: no method " + String(name));
    return method(...args);
  }
  window.LiveChat = /** @type {LiveChatGlobal} */ (/** @type {unknown} */ (Object.freeze(
    Object.assign(api, methods, {
      // The chat bundle announces itself here, once; not part of the documented API.
      /** @param {(ctx: LiveChatContext) => LiveChatChat} start */
      [MOUNT](start) {
        if (chat || !ui) return;
        startChat = start;
        mount();
      },
    }),
  )));
  for (const call of Array.from(queued)) {
    try {
      api(.../** @type {[string, ...unknown[]]} */ (Array.from(call)));
    } catch (error) {
      setTimeout(() => {
        throw error;
      });
    }
  }

  function draw() {
    const host = document.createElement("livechat-widget");
    host.setAttribute("data-position", data.position === "left" ? "left" : "right");
    const root = host.attachShadow({ mode: "open" });
    adoptStyles(root, css, config.nonce);
    const app = h("div", { class: "lc-app", lang: config.language });
    app.style.setProperty("--lc-accent", data.color || "#1d4ed8");
    app.style.setProperty("--lc-accent-text", data.textColor || "#ffffff");
    // LIVECHAT_THEME ("auto" follows prefers-color-scheme) and LIVECHAT_LAUNCHER_OFFSET_X/Y, in px.
    app.setAttribute("data-theme", data.theme || "auto");
    const [x, y] = (data.offset || "20 20").split(" ");
    app.style.setProperty("--lc-x", x + "px");
    app.style.setProperty("--lc-y", y + "px");
    const badge = h("span", { class: "lc-badge", "aria-hidden": "true", hidden: true });
    const launcher = h(
      "button",
      {
        type: "button",
        class: "lc-launcher",
        "aria-label": data.label || "Open chat",
        "aria-expanded": "false",
        "aria-controls": "lc-panel",
        "aria-describedby": "lc-unread",
      },
      [icon(CHAT_ICON, 28), badge],
    );
    const unreadText = h("span", { id: "lc-unread", class: "lc-sr-only" });
    app.append(launcher, unreadText);
    root.append(app);
    launcher.addEventListener("click", () => (chat ? chat.toggle() : open()));
    ui = { host, root, app, launcher, badge, unreadText };
    document.body.append(host);
    // Reopened at once (so the launcher already says so): the panel was open on this tab's previous page.
    const reopen = wasOpen();
    if (reopen) launcher.setAttribute("aria-expanded", "true");
    if ("ongoing" in data || reopen) load();
    else if (data.pending) watchForInvitation(data.pending, Number(data.pendingEvery) || 20);
    ready = true;
    markReady();
    emit("ready", null);
  }

  // The panel was open on this tab's previous page (the chat's panel memory, written only with consent).
  function wasOpen() {
    if (!config.remembered) return false; // no storage is touched before the visitor allowed it
    try {
      return /"open":true/.test(sessionStorage.getItem("livechat:panel") || "");
    } catch {
      return false;
    }
  }

  // An agent may invite a visitor whose chat is not loaded (so there is no socket yet): ask now and then,
  // only while the page is visible, and open the chat when invited.
  /**
   * @param {string} url
   * @param {number} seconds
   */
  function watchForInvitation(url, seconds) {
    const check = () => {
      if (chat || loading) return;
      if (document.visibilityState === "visible") {
        fetch(url, { credentials: "same-origin" })
          .then((response) => (response.ok ? response.json() : null))
          .then((answer) => answer && answer.invited && open(), () => {});
      }
      setTimeout(check, seconds * 1000);
    };
    // The first check also brings a first page's (pending) cookie back, so agents see us. It waits for the
    // page's load event and FIRST_CHECK_MS more: none of it is in the host page's own loading (main-thread
    // time, LCP), a visitor who leaves at once costs the server nothing, and agents see a browsing visitor
    // a few seconds after they arrive.
    const first = () => setTimeout(check, FIRST_CHECK_MS);
    if (document.readyState === "complete") first();
    else addEventListener("load", first);
  }

  // The launcher waits for the page's own first paint (the next frame, then a task after it): the host's
  // content is never painted later because of us (LCP), and our style and layout work is not in its frame.
  const afterPaint = () => requestAnimationFrame(() => setTimeout(draw, 0));
  if (document.body) afterPaint();
  else document.addEventListener("DOMContentLoaded", afterPaint, { once: true });
}
