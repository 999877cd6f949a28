import { test } from "uvu";
import * as assert from "uvu/assert";
import { titleWithCount, unreadCount } from "../src/widget/unread.js";

const messages = [
  { conversation_id: "c1", sender: "visitor", seq: 1 },
  { conversation_id: "c1", sender: "agent", seq: 2 },
  { conversation_id: "c1", sender: "system", seq: 3 },
  { conversation_id: "c1", sender: "agent", seq: 4 },
  { conversation_id: "old", sender: "agent", seq: 9 },
];

test("counts the agent's messages after the read mark, in the open conversation only", () => {
  assert.is(unreadCount(messages, "c1", 0), 2);
  assert.is(unreadCount(messages, "c1", 2), 1);
  assert.is(unreadCount(messages, "c1", 4), 0);
  assert.is(unreadCount(messages, null, 0), 0);
});

test("puts the count in front of the page title and takes it away again", () => {
  assert.is(titleWithCount("Pricing", 3), "(3) Pricing");
  assert.is(titleWithCount("(3) Pricing", 4), "(4) Pricing");
  assert.is(titleWithCount("(4) Pricing", 0), "Pricing");
  assert.is(titleWithCount("Pricing", 120), "(99+) Pricing");
  assert.is(titleWithCount("(99+) Pricing", 0), "Pricing");
});

test.run();
