import { test } from "uvu";
import * as assert from "uvu/assert";
import { colourOf, initials } from "../src/widget/team.js";

test("initials: first and last word, one letter each, any script", () => {
  assert.is(initials("Ada Admin"), "AA");
  assert.is(initials("  sam  "), "S");
  assert.is(initials("Jean Paul Sartre"), "JS");
  assert.is(initials("Łukasz Ćwik"), "ŁĆ");
  assert.is(initials(""), "?");
});

test("the same name gets the same colour, and every colour keeps white text at AA contrast", () => {
  assert.is(colourOf("Sam Agent"), colourOf("Sam Agent"));
  const luminance = (/** @type {string} */ hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const lin = (/** @type {number} */ c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  for (const name of ["Ada", "Sam", "Bob", "Eve", "Dan", "Carol", "Zoë", "李"]) {
    assert.ok(1.05 / (luminance(colourOf(name)) + 0.05) >= 4.5, name);
  }
});

test.run();
