import { test } from "uvu";
import * as assert from "uvu/assert";
import { fill } from "../src/widget/text.js";

test("fills named placeholders", () => {
  assert.is(fill("{name} is typing\u2026", { name: "Ada" }), "Ada is typing\u2026");
  assert.is(fill("{count} of {count}", { count: 2 }), "2 of 2");
});

test("leaves unknown placeholders and never evaluates values", () => {
  assert.is(fill("Hi {who}", {}), "Hi {who}");
  assert.is(fill("{a}", { a: "<b>{b}</b>", b: "x" }), "<b>{b}</b>");
});

test.run();
