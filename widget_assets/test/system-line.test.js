import { test } from "uvu";
import * as assert from "uvu/assert";
import { systemLine } from "../src/shared/system-line.js";

const french = { system_closed: "{name} a clôturé le chat.", system_ended: "Vous avez terminé le chat." };

test("words a system line from its event in the reader's language", () => {
  const closed = { sender: "system", body: "Sam closed the chat.", event: { type: "closed", name: "Sam $&" } };
  assert.is(systemLine(closed, french), "Sam $& a clôturé le chat."); // the name is text, not a pattern
  assert.is(systemLine({ sender: "system", body: "The visitor ended the chat.", event: { type: "ended", name: null } }, french), "Vous avez terminé le chat.");
});

test("keeps the stored body without an event or without words for it", () => {
  assert.is(systemLine({ sender: "system", body: "Ada closed the chat.", event: null }, french), "Ada closed the chat.");
  assert.is(systemLine({ sender: "system", body: "Ada reopened the chat.", event: { type: "reopened", name: "Ada" } }, french), "Ada reopened the chat.");
});

test.run();
