import { h, icon } from "../shared/dom.js";
import { face } from "./team.js";

const CLOSE_ICON =
  "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z";
const KEY = "livechat:preview";

/**
 * The card above the launcher with the newest unread agent reply (LIVECHAT_MESSAGE_PREVIEW), while the
 * panel is closed. A click opens the chat; × hides it until the next reply. Its region is aria-live polite,
 * so a screen reader hears the reply without losing its place.
 * @param {LiveChatContext} ctx
 * @param {import("./text.js").Strings} t
 * @param {() => void} openChat
 */
export function createPreview(ctx, t, openChat) {
  const region = h("div", { class: "lc-preview-wrap", "aria-live": "polite" });
  ctx.app.append(region);
  /** @type {string | null} the reply the visitor dismissed (kept for the tab only with consent) */
  let dismissed = null;
  try {
    if (ctx.config.remembered) dismissed = sessionStorage.getItem(KEY);
  } catch {
    // storage refused: dismissal lasts for this page
  }
  /** @type {string | null} */
  let shown = null;

  /**
   * @param {{ id: string, author?: string | null, body?: string | null, attachment?: { name?: string } | null } | null} message
   *   what to show, if anything
   * @param {import("./team.js").Member} [member] its author as the team names them (their picture)
   */
  function update(message, member) {
    const key = message ? String(message.id) : null;
    if (key === dismissed) message = null;
    if ((message ? key : null) === shown) return;
    shown = message ? key : null;
    if (!message) {
      region.replaceChildren();
      return;
    }
    const author = message.author || t.agent;
    const card = h("button", { type: "button", class: "lc-preview" }, [
      Object.assign(face(member || { name: author }), { ariaHidden: "true" }),
      h("span", { class: "lc-preview-author", text: author }),
      // A file the agent sent shows as its name (body is empty then).
      h("span", { class: "lc-preview-body", text: message.body || (message.attachment ? "\u{1F4CE} " + (message.attachment.name || "") : "") }),
    ]);
    card.addEventListener("click", openChat);
    const close = h("button", { type: "button", class: "lc-preview-close", "aria-label": t.preview_dismiss }, [
      icon(CLOSE_ICON, 16),
    ]);
    const id = String(key);
    close.addEventListener("click", () => {
      dismissed = id;
      try {
        if (ctx.config.remembered) sessionStorage.setItem(KEY, id);
      } catch {
        // as above
      }
      const hadFocus = region.contains(ctx.root.activeElement);
      update(null);
      if (hadFocus) ctx.launcher.focus();
    });
    region.replaceChildren(card, close);
  }

  return { update, remove: () => region.remove() };
}
