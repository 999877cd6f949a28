import { test } from "uvu";
import * as assert from "uvu/assert";
import { fill, plural } from "../src/widget/text.js";

test("fills named placeholders", () => {
  assert.is(fill("{name} is typing\u2026", { name: "Ada" }), "Ada is typing\u2026");
  assert.is(fill("{count} of {count}", { count: 2 }), "2 of 2");
});

test("leaves unknown placeholders and never evaluates values", () => {
  assert.is(fill("Hi {who}", {}), "Hi {who}");
  assert.is(fill("{a}", { a: "<b>{b}</b>", b: "x" }), "<b>{b}</b>");
});

// French as settings.json sends it (flask_livechat/i18n.py plural_index): 0 and 1 take form 0.
const french = {
  plurals: { unread: ["{count} message non lu", "{count} de messages non lus", "{count} messages non lus"] },
  plural_index: "00" + "2".repeat(198),
};

test("picks the plural form from the server's index, without evaluating a rule", () => {
  assert.is(plural(french, "unread", 0), "0 message non lu");
  assert.is(plural(french, "unread", 1), "1 message non lu");
  assert.is(plural(french, "unread", 2), "2 messages non lus");
  assert.is(plural(french, "unread", 1234), "1234 messages non lus"); // past the index: 100 + n % 100
  const english = { plurals: { unread: ["{count} unread message", "{count} unread messages"] }, plural_index: "10" + "1".repeat(198) };
  assert.is(plural(english, "unread", 1), "1 unread message");
  assert.is(plural(english, "unread", 0), "0 unread messages");
  assert.is(plural({}, "unread", 3), ""); // settings without plurals: nothing rather than a key
});

test.run();
