// Whether the panel was open, and where its thread was scrolled, kept across the page loads of one tab
// (sessionStorage), so a conversation does not close every time the visitor follows a link.
//
// The same gate as the outbox: nothing is written before `persist(true)` (the hello said the visitor allowed
// being recognised); `persist(false)` removes what this page could read (a
// withdrawal); for a visitor who never allowed it storage stays untouched. The loader reads KEY too, to load
// the chat at once when the panel was open.
export const KEY = "livechat:panel";

/** @typedef {{ open: boolean, scroll: number | null }} PanelState */

function tabStore() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // access refused (privacy settings, sandboxed frame): remember nothing
  }
}

export class PanelMemory {
  /** @param {boolean} readable the page said the visitor allowed being recognised: only then is it read */
  constructor(readable, storage = tabStore()) {
    this.storage = storage;
    this.readable = readable;
    this.allowed = false;
    /** @type {PanelState | null} */
    this.saved = null;
    try {
      const value = JSON.parse((readable && storage && storage.getItem(KEY)) || "null");
      if (value && typeof value.open === "boolean") {
        this.saved = { open: value.open, scroll: Number.isFinite(value.scroll) ? value.scroll : null };
      }
    } catch {
      this.saved = null;
    }
    /** @type {PanelState} */
    this.current = this.saved || { open: false, scroll: null };
  }

  /** @param {boolean} allowed */
  persist(allowed) {
    this.allowed = allowed;
    if (allowed) this.save(this.current);
    else if (this.readable) this.write(null); // withdrawn on this page; untouched for who never allowed it
  }

  /** @param {PanelState} state */
  save(state) {
    this.current = state;
    if (this.allowed) this.write(JSON.stringify(state));
  }

  /** @param {string | null} value */
  write(value) {
    try {
      if (value === null) this.storage?.removeItem(KEY);
      else this.storage?.setItem(KEY, value);
    } catch {
      // full or refused: the panel simply starts closed next time
    }
  }
}
