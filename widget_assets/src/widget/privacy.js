import { h } from "../shared/dom.js";
import { fieldProblem } from "./forms.js";
import { formField } from "./panel.js";

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
 *   download: (event: Event) => void, profile: () => Promise<{ name?: string | null, email?: string | null } | null>,
 *   saveProfile: (values: Record<string, string | null>) => Promise<import("../shared/ack.js").Ack> }} actions
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
  // Rectification: the name and email the chat holds for this browser (or page session), corrected in place.
  const fixButton = h("button", { type: "button", class: "lc-link-button", text: t.correct_details });
  const nameSpec = { name: "name", label: t.name, type: "text", required: false, max_length: 200 };
  const emailSpec = { name: "email", label: t.email, type: "email", required: false, max_length: 320 };
  const nameField = formField(nameSpec, t);
  const emailField = formField(emailSpec, t);
  const fixCancel = h("button", { type: "button", class: "lc-secondary", text: t.cancel });
  const fixForm = h("form", { class: "lc-details", novalidate: true, hidden: true }, [
    nameField.field,
    emailField.field,
    h("div", { class: "lc-choice-buttons" }, [h("button", { type: "submit", class: "lc-primary", text: t.save }), fixCancel]),
  ]);
  const menu = h("div", { id: menuId, class: "lc-privacy-menu", hidden: true }, [download, deleteButton, toggleButton, fixButton, fixForm, confirm]);
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
  function showFix(shown) {
    fixForm.hidden = !shown;
    fixButton.hidden = shown;
    (shown ? nameField.input : fixButton).focus();
  }

  fixButton.addEventListener("click", () => {
    status.textContent = "";
    actions.profile().then((profile) => {
      if (!profile) {
        status.textContent = t.no_details;
        return;
      }
      nameField.input.value = profile.name || "";
      emailField.input.value = profile.email || "";
      showFix(true);
    });
  });
  fixCancel.addEventListener("click", () => showFix(false));
  fixForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = { name: nameField.input.value.trim() || null, email: emailField.input.value.trim() || null };
    const problems = [fieldProblem(nameSpec, values.name, t), fieldProblem(emailSpec, values.email, t)];
    nameField.showError(problems[0]);
    emailField.showError(problems[1]);
    if (problems[0] || problems[1]) return (problems[0] ? nameField : emailField).input.focus();
    actions.saveProfile(values).then((ack) => {
      const fields = (!ack.ok && ack.error && ack.error.fields) || {};
      nameField.showError(fields.name && String(fields.name));
      emailField.showError(fields.email && String(fields.email));
      if (ack.ok) showFix(false);
      status.textContent = ack.ok ? t.details_saved : t.details_failed;
    });
  });

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
