// The panel is full screen on phones (widget.css, max-width 479.98px): a modal dialog there, so Tab and
// Shift+Tab go round its own controls instead of walking into the page links hidden behind it.
export const FULL_SCREEN = "(max-width: 479.98px)";

const FOCUSABLE = "button, [href], input, select, textarea, [tabindex]";

/** True while the panel covers the page. */
export function fullScreen() {
  return window.matchMedia(FULL_SCREEN).matches;
}

/**
 * Keeps a Tab keydown inside `panel` (called only while it is full screen).
 * @param {HTMLElement} panel
 * @param {ShadowRoot} root
 * @param {KeyboardEvent} event
 */
export function trapTab(panel, root, event) {
  const items = Array.from(panel.querySelectorAll(FOCUSABLE)).filter(
    (el) =>
      el instanceof HTMLElement &&
      el.tabIndex >= 0 &&
      !(/** @type {HTMLButtonElement} */ (el).disabled) &&
      el.getClientRects().length > 0,
  );
  if (!items.length) return;
  const first = /** @type {HTMLElement} */ (items[0]);
  const last = /** @type {HTMLElement} */ (items[items.length - 1]);
  const active = root.activeElement;
  const inside = active instanceof HTMLElement && items.includes(active);
  if (event.shiftKey ? active === first || !inside : active === last || !inside) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
}
