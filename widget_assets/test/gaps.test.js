import { test } from "uvu";
import * as assert from "uvu/assert";
import { GapFiller } from "../src/shared/gaps.js";

const message = (/** @type {number} */ seq, conversation = "c1") => ({ id: conversation + ":" + seq, conversation_id: conversation, seq, body: "m" + seq });

// A server whose fetch_messages answers are given by the test, one request at a time.
/** @param {{ ready?: () => boolean }} [options] */
function setup({ ready = () => true } = {}) {
  /** @type {{ conversationId: string, afterSeq: number, answer: (ack: import("../src/shared/gaps.js").FetchAck) => void }[]} */
  const asked = [];
  /** @type {{ conversationId: string, seqs: number[] }[]} */
  const received = [];
  const gaps = new GapFiller({
    fetch: (conversationId, afterSeq) =>
      new Promise((resolve) => asked.push({ conversationId, afterSeq, answer: resolve })),
    receive: (messages, conversationId) =>
      received.push({ conversationId, seqs: messages.map((m) => /** @type {{ seq: number }} */ (m).seq) }),
    ready,
  });
  return { gaps, asked, received };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test("messages in order ask for nothing and move the last seq", () => {
  const { gaps, asked } = setup();
  gaps.watch("c1");
  for (const seq of [1, 2, 3]) gaps.note(message(seq));
  assert.is(gaps.lastSeq("c1"), 3);
  assert.is(asked.length, 0);
});

test("a skipped seq asks fetch_messages after the last seq without a gap, once while it is pending", async () => {
  const { gaps, asked, received } = setup();
  gaps.watch("c1", 1);
  gaps.note(message(3));
  gaps.note(message(4));
  assert.equal(asked.map((a) => [a.conversationId, a.afterSeq]), [["c1", 1]]);
  assert.is(gaps.lastSeq("c1"), 1);
  asked[0].answer({ ok: true, messages: [message(2), message(3), message(4)], more: false, last_seq: 4 });
  await settle();
  assert.equal(received, [{ conversationId: "c1", seqs: [2, 3, 4] }]);
  assert.is(gaps.lastSeq("c1"), 4);
  assert.is(asked.length, 1);
});

test("`more` asks again from where the answer ended", async () => {
  const { gaps, asked } = setup();
  gaps.watch("c1");
  gaps.note(message(5));
  asked[0].answer({ ok: true, messages: [message(1), message(2)], more: true });
  await settle();
  assert.equal(asked.map((a) => a.afterSeq), [0, 2]);
  asked[1].answer({ ok: true, messages: [message(3), message(4)], more: false, last_seq: 5 });
  await settle();
  assert.is(gaps.lastSeq("c1"), 5);
  assert.is(asked.length, 2);
});

test("a seq deleted meanwhile is covered by last_seq instead of being asked for forever", async () => {
  const { gaps, asked } = setup();
  gaps.watch("c1", 1);
  gaps.note(message(3));
  asked[0].answer({ ok: true, messages: [message(3)], more: false, last_seq: 3 }); // 2 was deleted
  await settle();
  assert.is(gaps.lastSeq("c1"), 3);
  assert.is(asked.length, 1);
});

test("unwatched conversations are left alone; each watched one is tracked by itself", () => {
  const { gaps, asked } = setup();
  gaps.note(message(7, "other"));
  assert.is(asked.length, 0);
  gaps.watch("c1", 2);
  gaps.watch("c2", 5);
  gaps.note(message(3, "c1"));
  gaps.note(message(7, "c2"));
  assert.equal(asked.map((a) => [a.conversationId, a.afterSeq]), [["c2", 5]]);
  assert.equal(gaps.watched(), ["c1", "c2"]);
});

test("nothing is asked while disconnected; after restart() a gap is asked again", async () => {
  let connected = false;
  const { gaps, asked } = setup({ ready: () => connected });
  gaps.watch("c1");
  gaps.note(message(2));
  assert.is(asked.length, 0);
  connected = true;
  gaps.fill("c1");
  assert.is(asked.length, 1);
  gaps.restart(); // the connection dropped: that request never resolves
  gaps.fill("c1");
  assert.is(asked.length, 2);
  asked[0].answer({ ok: true, messages: [message(1)], more: false, last_seq: 2 }); // a stale answer is ignored
  await settle();
  assert.is(gaps.lastSeq("c1"), 0);
});

test("an error ack stops asking; clear() forgets every conversation", async () => {
  const { gaps, asked, received } = setup();
  gaps.watch("c1");
  gaps.note(message(2));
  asked[0].answer({ ok: false });
  await settle();
  assert.is(received.length, 0);
  gaps.clear();
  assert.is(gaps.isWatching("c1"), false);
  assert.is(gaps.lastSeq("c1"), 0);
});

test.run();
