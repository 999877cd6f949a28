import { h } from "../shared/dom.js";

// What the panel says about consent, from the hello ack's `privacy` (docs/protocol.md): "ask" (opt-in,
// no choice yet), "notice" (notice mode, no choice yet), "browser" (Global Privacy Control or Do Not
// Track: nothing to choose) or null.
/**
 * The hello ack's `privacy` (docs/protocol.md).
 * @typedef {{ consent_mode?: string, choice?: string | null, browser_declined?: boolean, needs_choice?: boolean,
 *   recognition?: boolean, privacy_url?: string, noticed?: boolean }} Privacy
 */

/** @param {Privacy | null | undefined} privacy */
export function consentPrompt(privacy) {
  if (!privacy || privacy.consent_mode === "off") return null;
  if (privacy.browser_declined) return "browser";
  if (privacy.needs_choice) return privacy.consent_mode === "opt-in" ? "ask" : "notice";
  return null;
}

// The change of mind the "Your data" menu offers once a choice is made: "stop", "remember" or null.
/** @param {Privacy | null | undefined} privacy */
export function consentToggle(privacy) {
  if (!privacy || privacy.consent_mode === "off" || privacy.browser_declined || privacy.needs_choice) return null;
  return privacy.recognition ? "stop" : "remember";
}

let menuCounter = 0;

// The consent prompt (a region under the header) and the privacy footer: a link to the privacy page and
// a "Your data" menu with download, delete (confirmed inline) and the change of mind.
// actions.choose(choice) and actions.erase() return promises of true when the server agreed;
// actions.focusChat() puts the focus back in the chat.
/**
 * @param {import("./text.js").Strings} t
 * @param {{ privacy: string, my_data: string }} urls
 * @param {{ choose: (choice: string) => Promise<boolean>, erase: () => Promise<boolean>, focusChat: () => void,
 *   download: (event: Event) => void }} actions
 */
export function createPrivacy(t, urls, actions) {
  const menuId = "lc-privacy-menu-" + ++menuCounter;
  const consent = h("div", { class: "lc-consent", role: "region", "aria-label": t.privacy_choice, hidden: true });
  const link = h("a", { class: "lc-privacy-link", href: urls.privacy, target: "_blank", rel: "noopener", text: t.privacy });
  const menuButton = h("button", {
    type: "button",
    class: "lc-link-button",
    "aria-expanded": "false",
    "aria-controls": menuId,
    text: t.your_data,
  });
  const download = h("a", { class: "lc-link-button", href: urls.my_data, download: "my-chat-data.zip", text: t.download_data });
  const deleteButton = h("button", { type: "button", class: "lc-link-button", text: t.delete_data });
  const toggleButton = h("button", { type: "button", class: "lc-link-button", hidden: true });
  const confirmYes = h("button", { type: "button", class: "lc-danger", text: t.delete_yes });
  const confirmNo = h("button", { type: "button", class: "lc-secondary", text: t.cancel });
  const confirm = h("div", { class: "lc-confirm", hidden: true }, [
    h("p", { text: t.delete_confirm }),
    h("div", { class: "lc-choice-buttons" }, [confirmYes, confirmNo]),
  ]);
  const status = h("p", { class: "lc-privacy-status", role: "status" });
  const menu = h("div", { id: menuId, class: "lc-privacy-menu", hidden: true }, [download, deleteButton, toggleButton, confirm]);
  const footer = h("div", { class: "lc-privacy" }, [
    status,
    menu,
    h("div", { class: "lc-privacy-bar" }, [link, menuButton]),
  ]);
  /** @type {"stop" | "remember" | null} */
  let toggle = null;

  /** @param {boolean} shown */
  function showMenu(shown) {
    menu.hidden = !shown;
    menuButton.setAttribute("aria-expanded", String(shown));
    if (!shown) showConfirm(false);
  }

  /** @param {boolean} shown */
  function showConfirm(shown) {
    confirm.hidden = !shown;
    deleteButton.hidden = shown;
    if (shown) confirmNo.focus();
  }

  /** @param {string} choice */
  function choose(choice) {
    const root = /** @type {Document | ShadowRoot} */ (consent.getRootNode());
    // The prompt's buttons vanish with it: keyboard users must not be left on nothing.
    const fromPrompt = consent.contains(root.activeElement);
    status.textContent = "";
    actions.choose(choice).then((ok) => {
      if (!ok) status.textContent = t.choice_failed;
      else if (fromPrompt) actions.focusChat();
    });
  }

  /** @param {Privacy | null | undefined} privacy */
  function update(privacy) {
    if (privacy && typeof privacy.privacy_url === "string") link.setAttribute("href", privacy.privacy_url);
    const kind = consentPrompt(privacy);
    consent.hidden = !kind;
    consent.replaceChildren();
    if (kind === "browser") consent.append(h("p", { text: t.consent_browser_declined }));
    if (kind === "ask" || kind === "notice") {
      const buttons = [
        h("button", { type: "button", class: "lc-primary", text: kind === "ask" ? t.accept : t.ok }),
        h("button", { type: "button", class: "lc-secondary", text: t.decline }),
      ];
      buttons[0].addEventListener("click", () => choose("accepted"));
      buttons[1].addEventListener("click", () => choose("declined"));
      consent.append(h("p", { text: kind === "ask" ? t.consent_ask : t.consent_notice }), h("div", { class: "lc-choice-buttons" }, buttons));
    }
    toggle = consentToggle(privacy);
    toggleButton.hidden = !toggle;
    toggleButton.textContent = toggle === "stop" ? t.stop_remembering : toggle === "remember" ? t.remember_me : "";
  }

  menuButton.addEventListener("click", () => showMenu(Boolean(menu.hidden)));
  download.addEventListener("click", actions.download);
  deleteButton.addEventListener("click", () => showConfirm(true));
  confirmNo.addEventListener("click", () => {
    showConfirm(false);
    deleteButton.focus();
  });
  confirmYes.addEventListener("click", () => {
    status.textContent = "";
    actions.erase().then((ok) => {
      showMenu(false);
      status.textContent = ok ? t.data_deleted : t.delete_failed;
      menuButton.focus();
    });
  });
  toggleButton.addEventListener("click", () => {
    if (toggle) choose(toggle === "stop" ? "declined" : "accepted");
  });

  return { consent, footer, update };
}
