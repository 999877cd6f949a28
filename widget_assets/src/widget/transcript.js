// "Email me this chat": one line under the thread, offered only when the server says where it would go
// (hello's transcript_to: mail is set up and an address is known). The answer stays on that line, with
// the conversation it was about, so it never lingers into another chat.
import { h } from "../shared/dom.js";
import { fill } from "./text.js";

/**
 * @param {HTMLElement} before the element the line goes above (the composer)
 * @param {import("./text.js").Strings} t
 * @param {(conversationId: string | null) => Promise<any>} send asks the server (email_transcript)
 */
export function transcriptLine(before, t, send) {
  const button = h("button", { type: "button", class: "lc-link lc-transcript-button", text: t.transcript_button });
  const status = h("span", { class: "lc-transcript-status", role: "status" });
  const line = h("p", { class: "lc-transcript", hidden: true }, [button, status]);
  before.before(line);
  /** @type {string | null} */
  let to = null;
  /** @type {string | null} */
  let conversation = null;
  button.addEventListener("click", () => {
    const asked = conversation;
    button.disabled = true;
    send(asked).then((ack) => {
      if (asked !== conversation) return; // the visitor moved on to another chat meanwhile
      button.disabled = false;
      if (ack && ack.ok) {
        status.textContent = fill(ack.result === "confirm" ? t.transcript_confirm : t.transcript_sent, { to: ack.to });
        button.hidden = true;
      } else status.textContent = t.transcript_failed;
    });
  });
  return {
    /**
     * @param {string | null | undefined} address where it would go (masked), or nothing
     * @param {string | null} conversationId the chat on screen (open, or just closed)
     */
    update(address, conversationId) {
      if (address !== undefined) to = address;
      if (conversationId !== conversation) {
        conversation = conversationId;
        status.textContent = "";
        button.hidden = false;
        button.disabled = false;
      }
      line.hidden = !to || !conversation;
    },
  };
}
