// Typing indicator for our side, throttled: "typing: true" at most once per `every` ms while
// keys are pressed, and "typing: false" once after `idle` ms without a key or when stopped.
export class TypingSignal {
  /**
   * @param {(typing: boolean) => void} send
   * @param {object} [options]
   * @param {number} [options.every] ms between two "typing: true"
   * @param {number} [options.idle] ms without a key before "typing: false"
   * @param {() => number} [options.now]
   * @param {(fn: () => void, ms: number) => unknown} [options.setTimer]
   * @param {(id: any) => void} [options.clearTimer]
   */
  constructor(send, options = {}) {
    const {
      every = 2000,
      idle = 3000,
      now = () => Date.now(),
      // Wrapped: the timer functions throw "Illegal invocation" when called as a method of another object.
      setTimer = (fn, ms) => setTimeout(fn, ms),
      clearTimer = (id) => clearTimeout(id),
    } = options;
    this.send = send;
    this.every = every;
    this.idle = idle;
    this.now = now;
    this.setTimer = setTimer;
    this.clearTimer = clearTimer;
    this.lastSent = -Infinity;
    this.typing = false;
    /** @type {unknown} the idle timer, if one runs */
    this.timer = null;
  }

  input() {
    const now = this.now();
    if (!this.typing || now - this.lastSent >= this.every) {
      this.typing = true;
      this.lastSent = now;
      this.send(true);
    }
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => this.stop(), this.idle);
  }

  stop() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    if (!this.typing) return;
    this.typing = false;
    this.lastSent = -Infinity;
    this.send(false);
  }
}
