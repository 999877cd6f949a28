// One state object and one render entry point. Code that learns something calls update(patch); the
// render runs once afterwards (in a microtask), however many updates came in between, and is the only
// code that writes to the page. A patch's keys are passed to the render, so it can leave alone the parts
// that did not change (a list the agent is focused in, a form being filled in).
//
// Microtasks rather than requestAnimationFrame: a hidden tab gets no animation frames, and the widget
// must still put the unread count in the tab's title there.

/**
 * What a render is asked to do besides drawing the state: merged over all updates since the last render.
 * @typedef {object} RenderHints
 * @property {boolean} [scrollToEnd] scroll the message log to its end
 * @property {boolean} [focusComposer] put the focus in the message box once drawn
 */

/**
 * @template {object} S
 * @typedef {(state: S, changed: Set<string>, hints: RenderHints) => void} Render
 */

/**
 * @template {object} S
 */
export class Store {
  /**
   * @param {S} state the initial state; the store keeps and changes this very object
   * @param {Render<S>} render
   * @param {{ schedule?: (run: () => void) => void }} [options]
   */
  constructor(state, render, { schedule = (run) => queueMicrotask(run) } = {}) {
    /** @type {Readonly<S>} */
    this.state = state;
    this.render = render;
    this.schedule = schedule;
    /** @type {Set<string>} */
    this.changed = new Set();
    /** @type {RenderHints} */
    this.hints = {};
    this.scheduled = false;
  }

  /**
   * Applies `patch` to the state and schedules a render. A key whose value is a Map, Set or object that
   * was changed in place is named in the patch with the same value, so the render hears about it.
   * @param {Partial<S>} patch
   * @param {RenderHints} [hints]
   */
  update(patch, hints = {}) {
    Object.assign(this.state, patch);
    for (const key of Object.keys(patch)) this.changed.add(key);
    this.hints = {
      scrollToEnd: Boolean(this.hints.scrollToEnd || hints.scrollToEnd),
      focusComposer: Boolean(this.hints.focusComposer || hints.focusComposer),
    };
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  // Renders now if an update is waiting (also what the scheduled task does).
  flush() {
    if (!this.scheduled) return;
    this.scheduled = false;
    const changed = this.changed;
    const hints = this.hints;
    this.changed = new Set();
    this.hints = {};
    this.render(this.state, changed, hints);
  }
}
