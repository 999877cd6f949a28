// Every client event is sent with an ack (protocol: Acks). These helpers make sure callers always
// get the documented {ok, ...} shape, even from a misbehaving server.
const MALFORMED = { ok: false, error: { code: "internal", message: "Unexpected reply from the server." } };

/**
 * An ack as the protocol documents it; `any` beyond `ok` and `error`, since each event adds its own fields.
 * @typedef {{ ok: boolean, error?: any, [field: string]: any }} Ack
 */

/**
 * A Socket.IO client as far as these modules use it.
 * @typedef {{ connected: boolean, emit: (event: string, payload: object, ack: (ack: unknown) => void) => void }} AckSocket
 */

/**
 * @param {unknown} ack
 * @returns {Ack}
 */
export function normalizeAck(ack) {
  const value = /** @type {Ack | null} */ (ack && typeof ack === "object" ? ack : null);
  if (value && (value.ok === true || (value.ok === false && value.error))) return value;
  return MALFORMED;
}

/**
 * @param {Ack | null | undefined} ack
 * @param {string} [fallback]
 */
export function errorText(ack, fallback = "Something went wrong. Please try again.") {
  const message = ack && ack.error && ack.error.message;
  return typeof message === "string" && message ? message : fallback;
}

// Emits an event and resolves with its normalized ack. Resolves never if the connection drops first:
// callers redo their requests on the next "connect" anyway.
/**
 * @param {AckSocket} socket
 * @param {string} event
 * @param {object} payload
 * @returns {Promise<Ack>}
 */
export function request(socket, event, payload) {
  return new Promise((resolve) => {
    socket.emit(event, payload, (ack) => resolve(normalizeAck(ack)));
  });
}
