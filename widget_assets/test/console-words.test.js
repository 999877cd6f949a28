import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULTS, mergeWords, word } from "../src/console/words.js";

test("the page's words win, an empty or missing one falls back to English", () => {
  const words = JSON.stringify({ send: "Senden", connected: "", agent: 3, chat_number: "{count}. Chat" });
  const merged = mergeWords({ dataset: { words } });
  assert.is(merged.send, "Senden");
  assert.is(merged.connected, "Connected"); // blank never shows
  assert.is(merged.agent, "Agent"); // not a string
  assert.is(merged.chat_number, "{count}. Chat");
  assert.equal(mergeWords({ dataset: { words: "{not json" } }), DEFAULTS);
  assert.equal(mergeWords(null), DEFAULTS);
});

test("fills every placeholder, as text", () => {
  assert.is(word("visitor_browser_os", { browser: "Firefox", os: "Linux $&" }), "Visitor \u00b7 Firefox on Linux $&");
  assert.is(word("assigned_note", { by: "Sam", name: "Ada", note: "{name}" }), "Sam gave you the conversation with Ada: {name}");
});

test.run();
