// Getting an agent's attention: the unread count in the tab title, a short sound, and desktop
// notifications (Notification API) once the agent allowed them.
export class Attention {
  /**
   * @param {HTMLElement} button "Enable desktop notifications"
   * @param {string} [baseTitle]
   */
  constructor(button, baseTitle = document.title) {
    this.button = button;
    this.baseTitle = baseTitle;
    /** @type {AudioContext | null} */
    this.audio = null;
    const supported = typeof window.Notification === "function";
    this.button.hidden = !supported || Notification.permission !== "default";
    this.button.addEventListener("click", () => {
      this.unlockSound();
      Notification.requestPermission().then(() => {
        this.button.hidden = Notification.permission !== "default";
      });
    });
    // Browsers only let a page make sound after a user gesture: prepare it on the first one.
    document.addEventListener("pointerdown", () => this.unlockSound(), { once: true });
    document.addEventListener("keydown", () => this.unlockSound(), { once: true });
  }

  /** @param {number} count */
  setUnread(count) {
    document.title = count > 0 ? "(" + count + ") " + this.baseTitle : this.baseTitle;
  }

  unlockSound() {
    if (this.audio || typeof window.AudioContext !== "function") return;
    try {
      this.audio = new AudioContext();
    } catch (error) {
      this.audio = null;
    }
  }

  beep() {
    const audio = this.audio;
    if (!audio || audio.state === "closed") return;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.25);
  }

  // Sound always; a desktop notification when permitted. `onClick` brings the conversation up.
  /**
   * @param {string} title
   * @param {string} body
   * @param {string} tag
   * @param {() => void} [onClick]
   */
  alert(title, body, tag, onClick) {
    this.beep();
    if (typeof window.Notification !== "function" || Notification.permission !== "granted") return;
    try {
      const notification = new Notification(title, { body, tag });
      notification.addEventListener("click", () => {
        window.focus();
        if (onClick) onClick();
        notification.close();
      });
    } catch (error) {
      // Some browsers only allow notifications from a service worker; the sound and title still work.
    }
  }
}
