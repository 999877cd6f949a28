// Every client event is sent with an ack (protocol: Acks). These helpers make sure callers always
// get the documented {ok, ...} shape, even from a misbehaving server.
const MALFORMED = { ok: false, error: { code: "internal", message: "Unexpected reply from the server." } };

export function normalizeAck(ack) {
  if (ack && typeof ack === "object" && (ack.ok === true || (ack.ok === false && ack.error))) return ack;
  return MALFORMED;
}

export function errorText(ack, fallback = "Something went wrong. Please try again.") {
  const message = ack && ack.error && ack.error.message;
  return typeof message === "string" && message ? message : fallback;
}

// Emits an event and resolves with its normalized ack. Resolves never if the connection drops first:
// callers redo their requests on the next "connect" anyway.
export function request(socket, event, payload) {
  return new Promise((resolve) => {
    socket.emit(event, payload, (ack) => resolve(normalizeAck(ack)));
  });
}
