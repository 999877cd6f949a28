import { test } from "uvu";
import * as assert from "uvu/assert";
import { avatarClass, initials, visitorLabel, zoneName } from "../src/console/format.js";

test("names a visitor by name, email, time zone, then browser and system", () => {
  assert.is(visitorLabel({ id: "v1", name: "Ada Lovelace", email: "ada@example.org" }), "Ada Lovelace");
  assert.is(visitorLabel({ id: "v1", name: null, email: "ada@example.org" }), "ada@example.org");
  assert.is(visitorLabel({ id: "v1", timezone: "Europe/Berlin" }), "Visitor \u00b7 Berlin time");
  assert.is(visitorLabel({ id: "v1" }, { id: "v1", browser: "Firefox", os: "Windows" }), "Visitor \u00b7 Firefox on Windows");
  // The conversation's copy has no zone yet; the live list's has: the known one is used.
  assert.is(visitorLabel({ id: "v1", timezone: null }, { id: "v1", timezone: "America/Argentina/Buenos_Aires" }), "Visitor \u00b7 Buenos Aires time");
  assert.is(visitorLabel({ id: "v1" }, { id: "v1", browser: "Other", os: "Other" }), "Visitor v1");
  assert.is(visitorLabel({ id: "abcdefJcyQ" }), "Visitor JcyQ");
  assert.is(visitorLabel(null), "Visitor");
});

test("zone names: the city part, readable; odd values are no name", () => {
  assert.is(zoneName("Asia/Tokyo"), "Tokyo");
  assert.is(zoneName("UTC"), "UTC");
  assert.is(zoneName("Etc/GMT+2"), "GMT +2");
  assert.is(zoneName("<b>x</b>"), "");
  assert.is(zoneName(42), "");
});

test("initials and a stable avatar colour", () => {
  assert.is(initials({ id: "1", name: "Ada Lovelace" }), "AL");
  assert.is(initials({ id: "1", email: "grace@example.org" }), "G");
  assert.is(initials({ id: "1" }), "?");
  assert.is(avatarClass("visitor-1"), avatarClass("visitor-1"));
  assert.ok(avatarClass("visitor-1").startsWith("lc-avatar"));
});

test.run();
