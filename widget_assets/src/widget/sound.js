// A short two-tone chime made with Web Audio: no audio file to download. Browsers only allow
// sound after the visitor interacted with the page, so the context is created on first open.
/** @type {AudioContext | null} */
let context = null;

export function unlockSound() {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  if (!context && AudioContext) {
    try {
      context = new AudioContext();
    } catch (error) {
      context = null;
    }
  }
  if (context && context.state === "suspended") context.resume().catch(() => {});
}

export function chime() {
  const audio = context;
  if (!audio || audio.state !== "running") return false;
  const start = audio.currentTime;
  [880, 1320].forEach((frequency, index) => {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + index * 0.12);
    gain.gain.exponentialRampToValueAtTime(0.08, start + index * 0.12 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + index * 0.12 + 0.2);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start + index * 0.12);
    oscillator.stop(start + index * 0.12 + 0.22);
  });
  return true;
}
