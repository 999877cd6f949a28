// History: search transcripts with filters, and read one transcript with its timeline and pages.
import { errorText, request } from "../shared/ack.js";
import { h } from "../shared/dom.js";
import { systemLine } from "../shared/system-line.js";
import { formatTime } from "../shared/time.js";
import { answersOf, chatNumberText, dateTime, duration, statusText, visitorLabel } from "./format.js";
import { allWords, word } from "./words.js";

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
    ui.transcript.replaceChildren(); // a new search: the last transcript belongs to the old results
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
        ui.results.replaceChildren(h("li", { text: errorText(ack, word("search_failed")) }));
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
          : [h("li", { text: word("no_match") })]),
      );
    });
  });

  /** @param {string} conversationId */
  function open(conversationId) {
    ui.transcript.replaceChildren(h("p", { text: word("opening_transcript") }));
    request(socket, "transcript", { conversation_id: conversationId }).then((ack) => {
      if (!ack.ok) {
        ui.transcript.replaceChildren(h("p", { text: errorText(ack, word("transcript_failed")) }));
        return;
      }
      renderTranscript(ui.transcript, ack.transcript, selfId);
    });
  }
  return { open };
}

// The agent's words for system lines (console.html data-words, through words.js).
function consoleWords() {
  return allWords();
}

// One transcript line: who said it, or, for the system's own lines ("Ada closed the chat."), the line alone
// in italics, centred, as the thread shows it.
/**
 * @param {import("../shared/messages.js").Message} m
 * @param {string} visitorName
 */
function transcriptLine(m, visitorName) {
  const time = h("time", { datetime: m.created_at, text: formatTime(m.created_at) });
  if (m.sender !== "agent" && m.sender !== "visitor") {
    return h("li", { class: "lc-transcript-system" }, [time, " ", h("em", { text: systemLine(m, consoleWords()) })]);
  }
  const who = m.sender === "agent" ? m.author || word("agent") : visitorName;
  const body = m.body || (m.attachment && m.attachment.name ? word("file", { name: m.attachment.name }) : "");
  return h("li", {}, [time, " ", h("strong", { text: who + ":" }), " ", h("span", { text: body })]);
}

/**
 * @param {HTMLElement} container
 * @param {Record<string, any>} transcript the transcript ack's `transcript` (docs/protocol.md)
 * @param {string | null} selfId
 */
function renderTranscript(container, transcript, selfId) {
  const c = transcript.conversation || {};
  const answers = answersOf(transcript);
  const number = chatNumberText(c);
  // Parts a transcript lacks are null: left out, since replaceChildren would write them as the text "null".
  // The status line carries the rating already, so it is said once.
  /** @type {(HTMLElement | null)[]} */
  const parts = [
    h("h3", { text: word("transcript_title", { name: visitorLabel(c.visitor) + (number ? " (" + number + ")" : "") }) }),
    h("p", { text: word("started", { time: dateTime(transcript.started_at) }) }),
    h("p", { text: transcript.ended_at ? word("ended", { time: dateTime(transcript.ended_at) }) : word("still_open") }),
    h("p", { text: word("duration", { duration: duration(transcript.duration_seconds) }) }),
    h("p", { text: statusText(c, selfId) }),
    answers.length ? h("h4", { text: word("prechat_answers") }) : null,
    answers.length ? h("dl", { class: "lc-answers", "aria-label": word("prechat_answers") }, answers.flatMap((a) => [h("dt", { text: a.label }), h("dd", { text: a.value })])) : null,
    h("h4", { text: word("pages_visited") }),
    h(
      "ol",
      { "aria-label": word("pages_visited") },
      (transcript.pages || []).map((/** @type {{ viewed_at: string, title?: string, url: string }} */ page) => h("li", { text: formatTime(page.viewed_at) + " " + (page.title || page.url) })),
    ),
    h("h4", { text: word("messages") }),
    h(
      "ol",
      { "aria-label": word("transcript_messages"), class: "lc-transcript-messages" },
      (transcript.messages || []).map((/** @type {import("../shared/messages.js").Message} */ m) => transcriptLine(m, visitorLabel(c.visitor))),
    ),
    (transcript.notes || []).length ? h("h4", { text: word("internal_notes") }) : null,
    (transcript.notes || []).length ? h("ul", {}, transcript.notes.map((/** @type {{ author: string, body: string }} */ n) => h("li", { text: n.author + ": " + n.body }))) : null,
    (transcript.mail || []).length ? h("h4", { text: word("emails") }) : null,
    (transcript.mail || []).length ? h("ul", {}, transcript.mail.map((/** @type {{ created_at: string, recipient: string, status: string }} */ m) => h("li", { text: dateTime(m.created_at) + " to " + m.recipient + ": " + m.status }))) : null,
  ];
  container.replaceChildren();
  for (const part of parts) if (part) container.append(part);
}
