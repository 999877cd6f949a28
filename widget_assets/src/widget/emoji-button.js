/**
 * What emoji.js hands back on its script tag: a function that builds the picker.
 * @typedef {(options: { root: ShadowRoot, nonce: string, strings: import("./text.js").Strings,
 *   pick: (emoji: string) => void, close: () => void }) => { element: HTMLElement, focus: () => void }} PickerFactory
 */

/**
 * The composer's emoji button. The picker (emoji.js, its own bundle) is fetched the first time the visitor
 * opens it, through the loader's Trusted Types policy and with the page's nonce; a pick goes in at the caret.
 * @param {LiveChatContext} ctx
 * @param {string} url
 * @param {import("./text.js").Strings} t
 * @param {HTMLElement} button
 * @param {HTMLTextAreaElement} textarea
 */
export function emojiButton(ctx, url, t, button, textarea) {
  /** @type {Promise<PickerFactory> | null} */
  let loading = null;
  /** @type {{ element: HTMLElement, focus: () => void } | null} */
  let picker = null;

  function load() {
    loading ||= new Promise((resolve, reject) => {
      const tag = /** @type {HTMLScriptElement & { livechatEmoji?: PickerFactory }} */ (document.createElement("script"));
      tag.async = true;
      if (ctx.config.nonce) tag.nonce = ctx.config.nonce;
      tag.onload = () => (tag.livechatEmoji ? resolve(tag.livechatEmoji) : reject(new Error("emoji.js")));
      tag.onerror = () => {
        loading = null; // try again on the next click
        reject(new Error("emoji.js"));
      };
      tag.src = ctx.scriptUrl(url);
      document.head.append(tag);
    });
    return loading;
  }

  /** @param {string} emoji */
  function insert(emoji) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    textarea.setRangeText(emoji, start, end, "end");
    close();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function close(focus = true) {
    if (!picker || picker.element.hidden) return;
    picker.element.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (focus) textarea.focus();
  }

  function open() {
    button.setAttribute("aria-busy", "true");
    load().then(
      (create) => {
        button.removeAttribute("aria-busy");
        if (!picker) {
          picker = create({ root: ctx.root, nonce: ctx.config.nonce, strings: t, pick: insert, close: () => close() });
          /** @type {HTMLElement} */ (button.parentElement).append(picker.element);
        }
        picker.element.hidden = false;
        button.setAttribute("aria-expanded", "true");
        picker.focus();
      },
      () => button.removeAttribute("aria-busy"),
    );
  }

  button.addEventListener("click", () => (picker && !picker.element.hidden ? close() : open()));
  // A press anywhere else in the chat closes it, as a menu would.
  ctx.root.addEventListener("pointerdown", (event) => {
    const target = /** @type {Node} */ (event.target);
    if (picker && !picker.element.contains(target) && !button.contains(target)) close(false);
  });
  return { close: () => close(false) };
}
