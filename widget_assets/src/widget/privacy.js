import { h } from "../shared/dom.js";
import { fieldProblem } from "./forms.js";
import { formField } from "./panel.js";

// What the panel says about consent, from the hello ack's `privacy` (docs/protocol.md):
// - "ask": opt-in, no choice yet: the full question with Accept and Decline (nothing is stored before it);
// - "notice": notice mode, the notice not shown to this browser yet (or shown in full on this page): the
//   full notice with OK and Decline;
// - "notice-line": notice mode, the notice seen before (by the widget, or the host's own): one line, whose
//   dismissal is the OK; Decline stays in the "Your data" menu ("Stop remembering me");
// - "browser": Global Privacy Control or Do Not Track, until the visitor dismissed the line saying so;
// - null: nothing to say.
// No state of its own is stored to remember a dismissal: a dismissal is the consent cookie's answer.
/**
 * The hello ack's `privacy` (docs/protocol.md).
 * @typedef {{ consent_mode?: string, choice?: string | null, browser_declined?: boolean, needs_choice?: boolean,
 *   recognition?: boolean, privacy_url?: string, noticed?: boolean, answered?: boolean }} Privacy
 */

/**
 * @param {Privacy | null | undefined} privacy
 * @param {boolean} [shownInFull] this page already showed the full notice: it stays until a choice
 */
export function consentPrompt(privacy, shownInFull = false) {
  if (!privacy || privacy.consent_mode === "off") return null;
  if (privacy.browser_declined) return privacy.answered ? null : "browser";
  if (!privacy.needs_choice) return null;
  if (privacy.consent_mode === "opt-in") return "ask";
  return privacy.noticed && !shownInFull ? "notice-line" : "notice";
}

// The change of mind the "Your data" menu offers: "stop", "remember" or null. In notice mode a visitor who
// is recognised without having chosen (the notice was seen) can stop it there too.
/** @param {Privacy | null | undefined} privacy */
export function consentToggle(privacy) {
  if (!privacy || privacy.consent_mode === "off" || privacy.browser_declined) return null;
  if (privacy.needs_choice) return privacy.consent_mode === "notice" && privacy.recognition ? "stop" : null;
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
  let shownInFull = false; // the full notice was on screen on this page
  /** @type {string | null} */
  let saved = null; // the choice made with the prompt's buttons on this page, confirmed in one line
  /** @type {Privacy | null | undefined} */
  let last = null;

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

  /**
   * @param {string} choice
   * @param {boolean} [confirm] say "Saved" in one line afterwards (a choice made with the prompt's buttons)
   */
  function choose(choice, confirm = false) {
    const root = /** @type {Document | ShadowRoot} */ (consent.getRootNode());
    // The prompt's buttons vanish with it: keyboard users must not be left on nothing.
    const fromPrompt = consent.contains(root.activeElement);
    status.textContent = "";
    actions.choose(choice).then((ok) => {
      if (!ok) status.textContent = t.choice_failed;
      else {
        if (confirm) saved = choice;
        if (fromPrompt) actions.focusChat();
      }
    });
  }

  // One line and its dismiss button (×).
  /**
   * @param {string} text
   * @param {() => void} onDismiss
   */
  function line(text, onDismiss) {
    const dismiss = h("button", { type: "button", class: "lc-dismiss", "aria-label": t.dismiss, title: t.dismiss, text: "\u00d7" });
    dismiss.addEventListener("click", onDismiss);
    consent.classList.add("lc-consent--line");
    consent.append(h("p", { text }), dismiss);
  }

  /** @param {Privacy | null | undefined} privacy */
  function update(privacy) {
    last = privacy;
    if (privacy && typeof privacy.privacy_url === "string") link.setAttribute("href", privacy.privacy_url);
    const kind = consentPrompt(privacy, shownInFull);
    if (kind === "notice") shownInFull = true;
    const confirmation = !kind && saved && privacy && !privacy.needs_choice ? saved : null;
    consent.hidden = !kind && !confirmation;
    consent.replaceChildren();
    consent.classList.remove("lc-consent--line");
    if (confirmation) {
      line(confirmation === "accepted" ? t.consent_saved_accepted : t.consent_saved_declined, () => {
        saved = null; // this page only: the next one has nothing to confirm
        update(last);
        actions.focusChat();
      });
    }
    // Dismissing is answering: the consent cookie keeps it (OK in notice mode; a decline the browser asked for).
    if (kind === "browser") line(t.consent_browser_declined, () => choose("declined"));
    if (kind === "notice-line") line(t.consent_notice, () => choose("accepted"));
    if (kind === "ask" || kind === "notice") {
      const buttons = [
        h("button", { type: "button", class: "lc-primary", text: kind === "ask" ? t.accept : t.ok }),
        h("button", { type: "button", class: "lc-secondary", text: t.decline }),
      ];
      buttons[0].addEventListener("click", () => choose("accepted", true));
      buttons[1].addEventListener("click", () => choose("declined", true));
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
