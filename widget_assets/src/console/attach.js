// Files in the console: how an attachment shows in the thread, and sending one to the visitor (the
// composer's file button, or a screenshot pasted into the reply box). The server runs the visitor upload's
// checks; the message comes back in the answer and through the socket, like a reply.
import { h } from "../shared/dom.js";
import { newClientId } from "../shared/ids.js";
import { word } from "./words.js";

/** @param {import("../shared/messages.js").Message} message */
export function attachmentBody(message) {
  const file = message.attachment;
  if (!file || typeof file.url !== "string") return null;
  if (file.image) {
    // The preview, and its name under it: agents tell screenshots apart by name (and search for it).
    return h("p", { class: "lc-msg-body lc-msg-file" }, [
      h("a", { href: file.url, target: "_blank", rel: "noopener" }, [h("img", { class: "lc-msg-image", src: file.url, alt: file.name })]),
      h("span", { class: "lc-file-name", text: file.name }),
    ]);
  }
  const link = h("a", { href: file.url, download: file.name, text: "\u{1F4C4} " + file.name + " (" + sizeText(file.size) + ")" });
  return h("p", { class: "lc-msg-body lc-msg-file" }, [link]);
}

/** @param {number} bytes */
export function sizeText(bytes) {
  if (!(bytes >= 0)) return "";
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + " KB";
  return (bytes / 1024 / 1024).toFixed(1) + " MB";
}

/**
 * @typedef {{ ok: boolean, message?: any, error?: { code: string, message: string, fields?: any } }} UploadAck
 * @typedef {{
 *   conversation: () => string | null,
 *   pending: (conversationId: string, clientId: string, text: string) => void,
 *   done: (conversationId: string, clientId: string, ack: UploadAck) => void,
 * }} AttachHooks
 */

/**
 * @param {HTMLElement} root the console's root, carrying data-upload-url and data-upload-token
 * @param {HTMLTextAreaElement} reply the reply box (a pasted image is sent as a file)
 * @param {AttachHooks} hooks
 * @returns {{ setEnabled: (on: boolean) => void }}
 */
export function setupAttach(root, reply, hooks) {
  const url = root.getAttribute("data-upload-url");
  let token = root.getAttribute("data-upload-token") || "";
  const input = /** @type {HTMLInputElement | null} */ (document.getElementById("lc-attach"));
  if (!url || !input) return { setEnabled() {} };
  const uploadUrl = url;
  let enabled = false;

  /**
   * @param {File} file
   * @param {string} conversationId
   * @param {string} clientId
   * @returns {Promise<UploadAck>}
   */
  async function post(file, conversationId, clientId) {
    const form = new FormData();
    form.append("conversation_id", conversationId);
    form.append("client_id", clientId);
    form.append("file", file, file.name);
    const response = await fetch(uploadUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": token }, body: form });
    return /** @type {UploadAck} */ (await response.json());
  }

  /** @param {File} file */
  async function send(file) {
    const conversationId = hooks.conversation();
    if (!enabled || conversationId == null) return;
    const clientId = newClientId();
    hooks.pending(conversationId, clientId, word("file_sending", { name: file.name }));
    /** @type {UploadAck} */
    let ack;
    try {
      ack = await post(file, conversationId, clientId);
      if (!ack.ok && ack.error && ack.error.code === "forbidden" && /session expired/.test(ack.error.message)) {
        // A console open for hours: its token expired. Fetch a fresh one and try once more.
        const fresh = await fetch(uploadUrl, { credentials: "same-origin" }).then((r) => r.json());
        token = String(fresh.csrf_token || "");
        ack = await post(file, conversationId, clientId);
      }
    } catch {
      ack = { ok: false, error: { code: "network", message: file.name + " was not sent: the connection failed. Try again." } };
    }
    hooks.done(conversationId, clientId, ack);
  }

  input.addEventListener("change", () => {
    for (const file of Array.from(input.files || [])) send(file);
    input.value = "";
  });
  reply.addEventListener("paste", (/** @type {ClipboardEvent} */ event) => {
    const files = Array.from((event.clipboardData && event.clipboardData.files) || []).filter((f) => f.type.startsWith("image/"));
    if (!files.length || !enabled) return;
    event.preventDefault();
    const stamp = new Date().toISOString().slice(0, 19).replace(/[T:]/g, "-");
    for (const file of files) {
      const extension = file.type === "image/jpeg" ? "jpg" : file.type.split("/")[1] || "png";
      send(new File([file], "screenshot-" + stamp + "." + extension, { type: file.type }));
    }
  });
  return {
    setEnabled(on) {
      enabled = on;
      input.disabled = !on;
    },
  };
}
