// A chat server at its connection cap (LIVECHAT_MAX_CONNECTIONS) refuses a new connection at once with 503,
// Retry-After and {"ok": false, "error": {"code": "chat_busy"}}. socket.io-client hands the refused
// polling handshake's XMLHttpRequest to connect_error as the error's context, with the status as its
// description: that is how the widget tells "full, come back later" from "unreachable".

/** The longest wait we honour, whatever a server asks: a visitor should not wait more than this. */
const LONGEST_WAIT = 300;

/**
 * Seconds to wait at least before the next try, or null when the error is no busy refusal.
 * @param {any} error a connect_error's error
 * @returns {number | null}
 */
export function busyRetryAfter(error) {
  const xhr = error && error.context;
  if (!error || error.description !== 503 || !xhr || typeof xhr.getResponseHeader !== "function") return null;
  let code;
  try {
    code = JSON.parse(xhr.responseText).error.code;
  } catch {
    return null;
  }
  if (code !== "chat_busy") return null;
  const seconds = Number(xhr.getResponseHeader("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, LONGEST_WAIT) : 5;
}

/**
 * The reconnection backoff that honours a Retry-After of `seconds`: socket.io-client's jittered exponential
 * backoff (randomization 0.5) never waits less than half its base, so the base is twice the wait.
 * @param {number} seconds
 * @returns {{ delay: number, delayMax: number }} milliseconds
 */
export function busyBackoff(seconds) {
  return { delay: seconds * 2000, delayMax: Math.max(60000, seconds * 6000) };
}
