import { h, icon } from "../shared/dom.js";
import { fill } from "./text.js";

const CLOSE_ICON =
  "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z";
const SMILE_ICON =
  "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm-3.5-9a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm7 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zM12 17.5a5.5 5.5 0 0 0 5.1-3.5H6.9a5.5 5.5 0 0 0 5.1 3.5z";
const BUBBLE_ICON =
  "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.25 1.25 0 1 0 0 2.5A1.25 1.25 0 0 0 7 10zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5z";
const CLIP_ICON =
  "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5z";

// The chat panel's elements. Every text goes in through textContent (h's "text"), never as HTML.
/**
 * The part of settings.json (docs/widget.md) the panel is built from.
 * @typedef {{ strings: import("./text.js").Strings, title: string, greeting: string, avatar_url?: string | null,
 *   attachments: { enabled?: boolean }, emoji?: boolean, reply_time?: string }} PanelSettings
 */

/** @param {PanelSettings} settings */
export function buildPanel(settings) {
  const t = settings.strings;
  // The header's faces: the team's once the hello ack names it (team.js), the site's picture until then.
  const faces = h("div", { class: "lc-faces", "aria-hidden": "true" }, [
    settings.avatar_url ? h("img", { class: "lc-avatar", src: settings.avatar_url, alt: "" }) : null,
  ]);
  const presence = h("p", { class: "lc-presence", hidden: true });
  const replyTime = h("p", { class: "lc-reply-time", text: settings.reply_time || "", hidden: !settings.reply_time });
  const endButton = h("button", { type: "button", class: "lc-end", text: t.end_chat, hidden: true });
  const closeButton = h("button", { type: "button", class: "lc-close", "aria-label": t.close_chat }, [
    icon(CLOSE_ICON, 22),
  ]);
  const notice = h("p", { class: "lc-notice" });
  // The empty conversation: an invitation to write the first message.
  const intro = h("div", { class: "lc-intro" }, [
    h("span", { class: "lc-intro-icon", "aria-hidden": "true" }, [icon(BUBBLE_ICON, 28)]),
    h("p", { class: "lc-intro-title", text: settings.greeting }),
    t.empty_hint ? h("p", { class: "lc-intro-hint", text: t.empty_hint }) : null,
  ]);
  const log = h("div", { class: "lc-log", role: "log", "aria-live": "polite", "aria-label": t.messages, tabindex: "0" });
  const typing = h("p", { class: "lc-live", "aria-hidden": "true" });
  const receipt = h("p", { class: "lc-live" });
  const status = h("p", { class: "lc-status", role: "status" });
  const error = h("p", { class: "lc-error", role: "alert" });
  const sheet = h("div", { class: "lc-sheet", hidden: true });
  const textarea = h("textarea", { class: "lc-input", "aria-label": t.message, rows: "2", placeholder: t.placeholder });
  const fileInput = h("input", { type: "file", class: "lc-file", tabindex: "-1", "aria-hidden": "true" });
  const attachButton = settings.attachments.enabled
    ? h("button", { type: "button", class: "lc-attach", "aria-label": t.attach, title: t.attach }, [icon(CLIP_ICON, 20)])
    : null;
  const emojiButton = settings.emoji
    ? h("button", { type: "button", class: "lc-emoji-button", "aria-label": t.emoji, title: t.emoji, "aria-haspopup": "dialog", "aria-expanded": "false" }, [icon(SMILE_ICON, 20)])
    : null;
  const sendButton = h("button", { type: "submit", class: "lc-send", text: t.send });
  const composer = h("form", { class: "lc-form", novalidate: true }, [attachButton, fileInput, textarea, emojiButton, sendButton]);
  const panel = h("div", { id: "lc-panel", class: "lc-panel", role: "dialog", "aria-label": t.chat, hidden: true }, [
    h("div", { class: "lc-header" }, [
      h("div", { class: "lc-title-wrap" }, [
        faces,
        h("div", { class: "lc-heading" }, [h("h2", { class: "lc-title", text: settings.title }), presence, replyTime]),
      ]),
      h("div", { class: "lc-actions" }, [endButton, closeButton]),
    ]),
    notice,
    intro,
    log,
    typing,
    receipt,
    status,
    error,
    sheet,
    composer,
  ]);
  return {
    panel,
    endButton,
    closeButton,
    notice,
    intro,
    log,
    typing,
    receipt,
    status,
    error,
    sheet,
    composer,
    textarea,
    fileInput,
    attachButton,
    emojiButton,
    faces,
    presence,
  };
}

let fieldCounter = 0;

// A labelled form field with its own error line (aria-describedby), for the pre-chat and
// leave-a-message forms. Returns { field, input, showError }.
/**
 * @param {import("./forms.js").FieldSpec} spec
 * @param {import("./text.js").Strings} t
 */
export function formField(spec, t) {
  const id = "lc-field-" + ++fieldCounter;
  const errorLine = h("p", { class: "lc-field-error", id: id + "-error" });
  /** @type {Record<string, string>} */
  const common = { id, name: spec.name, "aria-describedby": id + "-error" };
  if (spec.required) common["aria-required"] = "true";
  /** @type {ReturnType<typeof h>} */
  let input;
  if (spec.type === "textarea") {
    input = h("textarea", Object.assign({ rows: "3" }, common));
  } else if (spec.type === "select") {
    input = h("select", common, [h("option", { value: "", text: t.choose })].concat(
      (spec.options || []).map((option) => h("option", { value: option, text: option })),
    ));
  } else {
    const autocomplete = spec.name === "name" ? "name" : spec.type === "email" ? "email" : null;
    input = h("input", Object.assign({ type: spec.type, autocomplete }, common));
  }
  const field = h("div", { class: "lc-field" }, [h("label", { for: id, text: spec.label }), input, errorLine]);
  /** @param {string | null | undefined | false} text */
  function showError(text) {
    errorLine.textContent = text || "";
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  return { field, input, showError };
}

// The rating form shown once a conversation is closed: five choices and an optional comment.
/** @param {import("./text.js").Strings} t */
export function ratingForm(t) {
  const choices = [1, 2, 3, 4, 5].map((count) =>
    h("label", {}, [
      h("input", { type: "radio", name: "rating", value: String(count), "aria-label": fill(t.rate_star, { count }) }),
      h("span", { "aria-hidden": "true", text: count + "\u2605" }),
    ]),
  );
  const comment = formField({ name: "comment", label: t.rate_comment, type: "textarea", required: false }, t);
  const form = h("form", { class: "lc-sheet-form", novalidate: true }, [
    h("fieldset", { class: "lc-stars" }, [h("legend", { class: "lc-legend", text: t.rate_prompt })].concat(choices)),
    comment.field,
    h("button", { type: "submit", class: "lc-primary", text: t.rate_send }),
  ]);
  return { form, comment: comment.input };
}
