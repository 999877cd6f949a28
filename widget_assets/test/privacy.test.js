import { test } from "uvu";
import * as assert from "uvu/assert";
import { consentPrompt, consentToggle } from "../src/widget/privacy.js";

const state = (/** @type {Record<string, unknown>} */ overrides) =>
  Object.assign({ consent_mode: "notice", choice: null, browser_declined: false, needs_choice: false, recognition: true }, overrides);

test("asks in opt-in, shows the notice in notice mode, only until a choice is made", () => {
  assert.is(consentPrompt(state({ consent_mode: "opt-in", needs_choice: true, recognition: false })), "ask");
  assert.is(consentPrompt(state({ needs_choice: true })), "notice");
  // Seen before (or the host shows its own notice): one line, unless this page showed it in full already.
  assert.is(consentPrompt(state({ needs_choice: true, noticed: true })), "notice-line");
  assert.is(consentPrompt(state({ needs_choice: true, noticed: true }), true), "notice");
  assert.is(consentPrompt(state({ consent_mode: "opt-in", needs_choice: true, noticed: true, recognition: false })), "ask");
  assert.is(consentPrompt(state({ choice: "accepted" })), null);
  assert.is(consentPrompt(state({ consent_mode: "opt-in", choice: "declined", recognition: false })), null);
});

test("a browser that declined (GPC, DNT) gets a line, not a question; off mode shows nothing", () => {
  assert.is(consentPrompt(state({ browser_declined: true, choice: "declined", recognition: false })), "browser");
  // Dismissed: the consent cookie holds the answer, so the line does not come back.
  assert.is(consentPrompt(state({ browser_declined: true, choice: "declined", recognition: false, answered: true })), null);
  assert.is(consentPrompt(state({ consent_mode: "off", needs_choice: false })), null);
  assert.is(consentPrompt(undefined), null);
});

test("offers the change of mind that fits the current state", () => {
  assert.is(consentToggle(state({ choice: "accepted" })), "stop");
  assert.is(consentToggle(state({ choice: "declined", recognition: false })), "remember");
  assert.is(consentToggle(state({ needs_choice: true, recognition: false })), null);
  // Notice mode, recognised since the notice was seen: "Stop remembering me" is the decline.
  assert.is(consentToggle(state({ needs_choice: true })), "stop");
  assert.is(consentToggle(state({ consent_mode: "opt-in", needs_choice: true, recognition: false })), null);
  assert.is(consentToggle(state({ browser_declined: true, recognition: false })), null);
  assert.is(consentToggle(state({ consent_mode: "off" })), null);
});

test.run();
