import { test } from "uvu";
import * as assert from "uvu/assert";
import { consentPrompt, consentToggle } from "../src/widget/privacy.js";

const state = (/** @type {Record<string, unknown>} */ overrides) =>
  Object.assign({ consent_mode: "notice", choice: null, browser_declined: false, needs_choice: false, recognition: true }, overrides);

test("asks in opt-in, shows the notice in notice mode, only until a choice is made", () => {
  assert.is(consentPrompt(state({ consent_mode: "opt-in", needs_choice: true, recognition: false })), "ask");
  assert.is(consentPrompt(state({ needs_choice: true })), "notice");
  assert.is(consentPrompt(state({ choice: "accepted" })), null);
  assert.is(consentPrompt(state({ consent_mode: "opt-in", choice: "declined", recognition: false })), null);
});

test("a browser that declined (GPC, DNT) gets a line, not a question; off mode shows nothing", () => {
  assert.is(consentPrompt(state({ browser_declined: true, choice: "declined", recognition: false })), "browser");
  assert.is(consentPrompt(state({ consent_mode: "off", needs_choice: false })), null);
  assert.is(consentPrompt(undefined), null);
});

test("offers the change of mind that fits the current state", () => {
  assert.is(consentToggle(state({ choice: "accepted" })), "stop");
  assert.is(consentToggle(state({ choice: "declined", recognition: false })), "remember");
  assert.is(consentToggle(state({ needs_choice: true })), null);
  assert.is(consentToggle(state({ browser_declined: true, recognition: false })), null);
  assert.is(consentToggle(state({ consent_mode: "off" })), null);
});

test.run();
