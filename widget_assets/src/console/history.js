// History: search transcripts with filters, and read one transcript with its timeline and pages.
import { errorText, request } from "../shared/ack.js";
import { h } from "../shared/dom.js";
import { formatTime } from "../shared/time.js";
import { dateTime, duration, ratingText, statusText, visitorLabel } from "./format.js";

/**
 * @param {Record<string, any>} ui the console's elements by name (console.js findUi)
 * @param {import("../shared/ack.js").AckSocket} socket
 * @param {string | null} selfId
 */
export function setupHistory(ui, socket, selfId) {
  /**
   * @param {string} value a date input's value
   * @param {number} [offsetDays]
   */
  function dayStart(value, offsetDays = 0) {
    if (!value) return null;
    const date = new Date(value + "T00:00:00");
    if (Number.isNaN(date.getTime())) return null;
    date.setDate(date.getDate() + offsetDays);
    return date.toISOString();
  }

  ui.searchForm.addEventListener("submit", (/** @type {Event} */ event) => {
    event.preventDefault();
    const payload = {
      query: ui.searchQuery.value.trim() || null,
      since: dayStart(ui.searchFrom.value),
      until: dayStart(ui.searchTo.value, 1),
      agent_id: ui.searchAgent.value || null,
      tag: ui.searchTag.value.trim().toLowerCase() || null,
      status: ui.searchStatus.value || null,
    };
    request(socket, "search_history", payload).then((ack) => {
      if (!ack.ok) {
        ui.results.replaceChildren(h("li", { text: errorText(ack, "The search failed.") }));
        return;
      }
      const found = ack.conversations || [];
      ui.results.replaceChildren(
        ...(found.length
          ? found.map((/** @type {LiveChatConversation} */ conversation) => {
              const button = h("button", { type: "button" }, [
                h("strong", { text: visitorLabel(conversation.visitor) }),
                " ",
                h("span", { text: dateTime(conversation.created_at) + " \u00b7 " + statusText(conversation, selfId) }),
              ]);
              button.addEventListener("click", () => open(conversation.id));
              return h("li", {}, [button]);
            })
          : [h("li", { text: "No conversations match." })]),
      );
    });
  });

  /** @param {string} conversationId */
  function open(conversationId) {
    request(socket, "transcript", { conversation_id: conversationId }).then((ack) => {
      if (!ack.ok) {
        ui.transcript.replaceChildren(h("p", { text: errorText(ack, "This transcript could not be opened.") }));
        return;
      }
      renderTranscript(ui.transcript, ack.transcript, selfId);
    });
  }
}

/**
 * @param {HTMLElement} container
 * @param {Record<string, any>} transcript the transcript ack's `transcript` (docs/protocol.md)
 * @param {string | null} selfId
 */
function renderTranscript(container, transcript, selfId) {
  const c = transcript.conversation || {};
  const rating = ratingText(c);
  // Parts a transcript lacks are null: left out, since replaceChildren would write them as the text "null".
  /** @type {(HTMLElement | null)[]} */
  const parts = [
    h("h3", { text: "Transcript: " + visitorLabel(c.visitor) }),
    h("p", { text: "Started " + dateTime(transcript.started_at) }),
    h("p", { text: transcript.ended_at ? "Ended " + dateTime(transcript.ended_at) : "Still open" }),
    h("p", { text: "Duration " + duration(transcript.duration_seconds) }),
    h("p", { text: statusText(c, selfId) }),
    rating ? h("p", { text: rating }) : null,
    h("h4", { text: "Pages visited" }),
    h(
      "ol",
      { "aria-label": "Pages visited" },
      (transcript.pages || []).map((/** @type {{ viewed_at: string, title?: string, url: string }} */ page) => h("li", { text: formatTime(page.viewed_at) + " " + (page.title || page.url) })),
    ),
    h("h4", { text: "Messages" }),
    h(
      "ol",
      { "aria-label": "Transcript messages" },
      (transcript.messages || []).map((/** @type {import("../shared/messages.js").Message} */ m) =>
        h("li", { text: formatTime(m.created_at) + " " + (m.sender === "agent" ? m.author || "Agent" : m.sender === "visitor" ? "Visitor" : "\u2014") + ": " + m.body }),
      ),
    ),
    (transcript.notes || []).length ? h("h4", { text: "Internal notes" }) : null,
    h("ul", {}, (transcript.notes || []).map((/** @type {{ author: string, body: string }} */ n) => h("li", { text: n.author + ": " + n.body }))),
    (transcript.mail || []).length ? h("h4", { text: "Emails" }) : null,
    h("ul", {}, (transcript.mail || []).map((/** @type {{ created_at: string, recipient: string, status: string }} */ m) => h("li", { text: dateTime(m.created_at) + " to " + m.recipient + ": " + m.status }))),
  ];
  container.replaceChildren();
  for (const part of parts) if (part) container.append(part);
}
