#!/usr/bin/env node
// Load generator for bench/: N visitors and M agents speaking flask-livechat's protocol (docs/protocol.md),
// against our example site or bench/relay.py alike. Prints one JSON object on stdout; progress on stderr.
//
//   node bench/loadgen/loadgen.mjs --url http://127.0.0.1:5000 --visitors 200 --agents 2 --rate 100 --duration 10
//   node bench/loadgen/loadgen.mjs --url ... --visitors 5000 --agents 0 --mode idle --hold 40
//   node bench/loadgen/loadgen.mjs --url http://a --visitor-urls http://a,http://b ...   # two processes
//   node bench/loadgen/loadgen.mjs --url ... --visitors 5000 --agents 0 --mode reconnect --hold 60
//
// `--visitor-urls` spreads the visitors round robin over several servers of one chat (cookie and socket
// from the same one); agents always use `--url`. `--mode reconnect` connects the visitors with the widget's
// reconnection settings (widget_assets/src/widget.js: delay 1 s, max 10 s, randomization 0.5), prints
// `MARK ready`, waits until every visitor has lost its connection (the caller restarts the server), prints
// `MARK down`, then waits up to `--hold` seconds for every visitor to be reconnected and its `hello` acked
// again (a failed hello is asked again on the next reconnect), and reports each one's time from losing to
// regaining it, and the wall-clock times (`rehello_epoch_ms`, `connect_error_log`) so the caller can count
// from its restart.
//
// Each visitor gets its cookie from GET / first, connects to /livechat and says hello; each agent logs in
// through the site's login form (csrf_token field + session cookie) and connects to /livechat-agent. Every
// visitor then sends one message to open a conversation. An agent's console hears of every message in its
// departments as `conversation_updated` (with `last_message`) and receives `new_message` for the one
// conversation it has joined; `--tabs K` opens K more agent connections, each joined to one conversation.
// In the measured window the visitors together send `--rate` messages per second, round robin, open loop
// (on schedule, whether or not earlier ones were acked). Latency is send -> the first agent connection that
// receives the message (`new_message`, or `conversation_updated` whose last_message has that client_id);
// `delivered_by` counts which event came first. Ack latency is send -> ack. A message refused as `overloaded`
// is sent again after its `retry_after`, doubled for each further refusal, with the same client_id, as the
// widget's outbox does (`--retry 0`: not): one at a time, oldest first, each once the one before is accepted;
// its latencies count from its first send; `retried` counts resends.

import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { io } from "socket.io-client";

const DEFAULTS = {
  url: "http://127.0.0.1:5000",
  visitors: 200,
  agents: 2,
  tabs: 0, // extra agent connections, each joined to one conversation (the console joins one at a time)
  rate: 100,
  duration: 10,
  drain: 10,
  mode: "chat", // chat | idle | reconnect
  "visitor-urls": "", // comma-separated servers for the visitors, round robin (default: --url)
  hold: 30,
  quiet: 0, // seconds of idle before the window, so the caller can measure the server's background CPU
  login: "agent@example.com:agent,admin@example.com:admin",
  transports: "websocket",
  "connect-timeout": 20,
  concurrency: 50,
  body: "Hello, I have a question about my invoice.",
  retry: 1, // like the widget's outbox: a message refused as overloaded is sent again after retry_after (0: not)
};

function parseArguments(argv) {
  const options = { ...DEFAULTS };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    const key = arg.slice(2);
    if (!(key in DEFAULTS)) throw new Error(`unknown option --${key}`);
    const value = argv[++index];
    options[key] = typeof DEFAULTS[key] === "number" ? Number(value) : value;
  }
  return options;
}

const options = parseArguments(process.argv.slice(2));
const base = options.url.replace(/\/$/, "");
const origin = new URL(base).origin;
const visitorBases = (options["visitor-urls"] || base).split(",").map((url) => url.replace(/\/$/, ""));
// The widget's reconnection settings (widget_assets/src/widget.js), for --mode reconnect.
const WIDGET_RECONNECTION = { reconnectionDelay: 1000, reconnectionDelayMax: 10000, randomizationFactor: 0.5 };
const log = (...parts) => process.stderr.write(`[loadgen] ${parts.join(" ")}\n`);
const now = () => performance.now();
let closing = false; // our own close() at the end is no disconnect to report
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function cookiesFrom(response, jar = {}) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const at = pair.indexOf("=");
    jar[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return jar;
}

const cookieHeader = (jar) => Object.entries(jar).map(([name, value]) => `${name}=${value}`).join("; ");

async function visitorCookie(server = base) {
  const response = await fetch(`${server}/`, {
    headers: { Accept: "text/html" },
    signal: AbortSignal.timeout(options["connect-timeout"] * 1000), // a server at its cap answers nothing
  });
  await response.arrayBuffer();
  return cookiesFrom(response);
}

async function agentCookie(email, password) {
  const form = await fetch(`${base}/login`);
  const jar = cookiesFrom(form);
  const html = await form.text();
  const token = /name="?csrf_token"?[^>]*value="?([^">\s]+)/.exec(html)?.[1] ?? "";
  const response = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Cookie: cookieHeader(jar),
      Origin: origin,
    },
    body: new URLSearchParams({ email, password, csrf_token: token }).toString(),
  });
  await response.arrayBuffer();
  if (response.status !== 302) throw new Error(`login as ${email} answered ${response.status}`);
  return cookiesFrom(response, jar);
}

function connect(namespace, jar, server = base, reconnection = false) {
  const socket = io(`${server}${namespace}`, {
    forceNew: true,
    reconnection,
    ...(reconnection ? WIDGET_RECONNECTION : {}),
    transports: options.transports.split(","),
    extraHeaders: { Cookie: cookieHeader(jar), Origin: new URL(server).origin },
    timeout: options["connect-timeout"] * 1000,
  });
  return new Promise((resolve, reject) => {
    const failed = (error) => {
      socket.close(); // the first connect is not retried, even with reconnection on
      // A refused WebSocket upgrade says why only in its description ("Unexpected server response: 503").
      const why = error?.description?.message;
      reject(why ? new Error(`${error.message}: ${why}`) : error);
    };
    socket.once("connect", () => {
      socket.off("connect_error", failed); // later reconnects' errors must not close the socket
      resolve(socket);
    });
    socket.once("connect_error", failed);
  });
}

function call(socket, event, payload, timeoutMs = 30000) {
  return new Promise((resolve) => {
    socket.timeout(timeoutMs).emit(event, payload, (error, ack) => {
      resolve(error ? { ok: false, error: { code: "timeout" } } : ack);
    });
  });
}

async function inBatches(count, work) {
  const results = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const index = next++;
      try {
        results[index] = { value: await work(index) };
      } catch (error) {
        // An aborted fetch and a socket.io connect timeout are the same story: the server never answered.
        const text = error?.name === "TimeoutError" ? "timeout" : String(error?.message ?? error);
        results[index] = { error: text };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
  return results;
}

function percentiles(values) {
  if (values.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const at = (q) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

// A message sent this long before the end and not answered is silent (a refusal is answered in milliseconds).
const UNANSWERED_AFTER_MS = 5000;

const tally = (object, key) => {
  object[key] = (object[key] ?? 0) + 1;
};

async function connectVisitors(result, reconnection = false) {
  const started = now();
  const visitors = (
    await inBatches(options.visitors, async (index) => {
      const server = visitorBases[index % visitorBases.length];
      const jar = await visitorCookie(server);
      const socket = await connect("/livechat", jar, server, reconnection);
      const hello = await call(socket, "hello", { page: { url: `${base}/`, title: "Home" } });
      if (!hello?.ok) throw new Error(`hello: ${hello?.error?.code}`);
      const sending = new Set(); // this visitor's messages sent and not yet answered
      socket.on("disconnect", (reason) => {
        if (closing) return;
        tally(result.disconnects, reason);
        for (const entry of sending) entry.lost = true; // its ack can no longer come: Socket.IO drops it
      });
      return { index, socket, seq: 0, sending };
    })
  ).filter((entry) => {
    if (entry.error) tally(result.connect_errors, entry.error.slice(0, 80));
    return !entry.error;
  }).map((entry) => entry.value);
  result.visitors_connected = visitors.length;
  result.visitor_connect_s = Math.round(now() - started) / 1000;
  log(`${visitors.length}/${options.visitors} visitors connected in ${result.visitor_connect_s} s`);
  return visitors;
}

async function idle(result) {
  const visitors = await connectVisitors(result);
  log("MARK ready");
  await sleep(options.hold * 1000);
  result.still_connected = visitors.filter((visitor) => visitor.socket.connected).length;
  closing = true;
  for (const visitor of visitors) visitor.socket.close();
}

async function reconnect(result) {
  const visitors = await connectVisitors(result, true);
  const pending = new Set(visitors); // lost their connection and not yet back with an acked hello
  let lost = 0;
  let allLost;
  const down = new Promise((resolve) => (allLost = resolve));
  let allBack;
  const back = new Promise((resolve) => (allBack = resolve));
  const times = [];
  const epochs = [];
  result.rehello_errors = {};
  result.connect_error_log = []; // [epoch ms, reason]: the caller tells the downtime's from the others
  for (const visitor of visitors) {
    visitor.socket.on("disconnect", () => {
      if (visitor.lostAt !== undefined) return;
      visitor.lostAt = now();
      lost += 1;
      if (lost === visitors.length) allLost();
    });
    visitor.socket.io.on("reconnect_attempt", () => {
      visitor.attempts = (visitor.attempts ?? 0) + 1;
    });
    visitor.socket.on("connect_error", (error) => {
      const why = error?.description?.message;
      const text = why ? `${error.message}: ${why}` : String(error?.message ?? error);
      const reason = text.replace(/ \d+\.\d+\.\d+\.\d+:\d+$/, "").slice(0, 80);
      tally(result.connect_errors, reason);
      if (result.connect_error_log.length < 50000) result.connect_error_log.push([Date.now(), reason]);
    });
    visitor.socket.on("connect", async () => {
      if (visitor.lostAt === undefined || visitor.backAt !== undefined) return;
      const hello = await call(visitor.socket, "hello", { page: { url: `${base}/`, title: "Home" } });
      if (!hello?.ok) {
        tally(result.rehello_errors, hello?.error?.code ?? "malformed");
        result.connect_error_log.push([Date.now(), `hello: ${hello?.error?.code ?? "malformed"}`]);
        return; // asked again on the next reconnect, as the widget does
      }
      if (visitor.backAt !== undefined) return;
      visitor.backAt = now();
      times.push(visitor.backAt - visitor.lostAt);
      epochs.push(Date.now());
      pending.delete(visitor);
      if (pending.size === 0) allBack();
    });
  }
  log("MARK ready");
  await down;
  result.down_epoch_ms = Date.now();
  log("MARK down");
  await Promise.race([back, sleep(options.hold * 1000)]);
  result.visitors_back = times.length;
  result.not_back = pending.size;
  result.reconnect_ms = percentiles(times);
  result.reconnect_attempts = percentiles(visitors.map((visitor) => visitor.attempts ?? 0));
  result.rehello_epoch_ms = epochs.sort((a, b) => a - b);
  closing = true;
  for (const visitor of visitors) visitor.socket.close();
}

// As the widget's outbox (shared/outbox.js) after a wait: the oldest waiting message, once none is on its way.
function sendNextWaiting(visitor) {
  if (!visitor.draining || visitor.held || visitor.sending.size) return;
  visitor.waiting.sort((a, b) => a.entry.order - b.entry.order);
  const next = visitor.waiting.shift();
  if (!next) {
    visitor.draining = false;
    return;
  }
  next.entry.resent = now();
  next.send(true);
}

async function chat(result) {
  const credentials = options.login.split(",").slice(0, options.agents).map((pair) => pair.split(":"));
  const agentJars = await Promise.all(credentials.map(([email, password]) => agentCookie(email, password)));
  const consoles = await Promise.all(agentJars.map((jar) => connect("/livechat-agent", jar)));
  for (const socket of consoles) {
    const hello = await call(socket, "hello", {});
    if (!hello?.ok) throw new Error(`agent hello: ${JSON.stringify(hello?.error)}`);
  }
  const visitors = await connectVisitors(result);
  if (visitors.length === 0) throw new Error("no visitor connected");

  // One message each opens the conversations; one agent tab per conversation joins it.
  const opened = await inBatches(visitors.length, async (index) => {
    const visitor = visitors[index];
    const clientId = randomUUID();
    let ack;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      visitor.seq += 1;
      ack = await call(visitor.socket, "send_message", { client_id: clientId, body: "first", client_seq: visitor.seq });
      const wait = Number(ack?.error?.fields?.retry_after);
      if (ack?.ok || ack?.error?.code !== "overloaded" || !(wait > 0)) break;
      await sleep(wait * 1000 + Math.random() * 500);
    }
    if (!ack?.ok) throw new Error(`first message: ${ack?.error?.code}`);
    return ack.message.conversation_id;
  });
  const conversations = opened.filter((entry) => !entry.error).map((entry) => entry.value);
  for (const entry of opened) if (entry.error) tally(result.connect_errors, entry.error);

  const pending = new Map(); // client_id -> {sent, acked?, delivered?}
  const latencies = [];
  let windowEnd = Infinity;
  result.delivered_in_window = 0;
  const onDelivered = (message, event) => {
    const entry = pending.get(message?.client_id);
    if (entry === undefined || entry.delivered !== undefined) return;
    entry.delivered = now();
    tally(result.delivered_by, event);
    latencies.push(entry.delivered - entry.sent);
    result.delivered++;
    if (entry.delivered <= windowEnd) result.delivered_in_window++;
  };
  for (const [index, socket] of consoles.entries()) {
    if (index < conversations.length) {
      const ack = await call(socket, "join_conversation", { conversation_id: conversations[index] });
      if (!ack?.ok) tally(result.connect_errors, `console join: ${ack?.error?.code}`);
    }
    socket.on("conversation_updated", (summary) => {
      result.conversation_updated++;
      onDelivered(summary?.last_message, "conversation_updated");
    });
    socket.on("new_message", (message) => onDelivered(message, "new_message"));
  }
  const tabs = (
    await inBatches(Math.min(options.tabs, conversations.length), async (index) => {
      const socket = await connect("/livechat-agent", agentJars[index % agentJars.length]);
      const ack = await call(socket, "join_conversation", { conversation_id: conversations[index] });
      if (!ack?.ok) throw new Error(`join: ${ack?.error?.code}`);
      socket.on("new_message", (message) => onDelivered(message, "new_message"));
      return socket;
    })
  ).filter((entry) => {
    if (entry.error) tally(result.connect_errors, entry.error.slice(0, 80));
    return !entry.error;
  }).map((entry) => entry.value);
  result.agent_tabs = tabs.length;
  log(`${consoles.length} agents, ${tabs.length} tabs joined; offering ${options.rate} msg/s for ${options.duration} s`);

  // MARK lines let the caller read the server's CPU time at the edges of the quiet and measured periods.
  log("MARK quiet");
  await sleep(options.quiet * 1000);
  log("MARK window");
  // The measured window: open loop, on a 2 ms tick, catching up on every tick.
  const total = Math.round(options.rate * options.duration);
  const interval = 1000 / options.rate;
  const ackLatencies = [];
  const errorAckLatencies = [];
  const lags = [];
  const cpuBefore = process.cpuUsage();
  const start = now() + 100;
  windowEnd = start + options.duration * 1000 + 1000;
  let sent = 0;
  let turn = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const current = now();
      while (sent < total && start + sent * interval <= current) {
        const visitor = visitors[turn++ % visitors.length];
        if (!visitor.socket.connected) continue;
        visitor.waiting ??= [];
        visitor.holds ??= 0;
        const scheduled = start + sent * interval;
        const clientId = randomUUID();
        const entry = { sent: now() };
        lags.push(entry.sent - scheduled);
        pending.set(clientId, entry);
        entry.order = sent;
        const send = (next = false) => {
          if ((visitor.held || visitor.draining) && !next) {
            visitor.waiting.push({ entry, send });
            return;
          }
          entry.inFlight = true;
          entry.lastSent = now();
          visitor.sending.add(entry);
          visitor.seq += 1;
          visitor.socket.emit(
            "send_message",
            { client_id: clientId, body: options.body, client_seq: visitor.seq },
            (ack) => {
              const code = ack?.ok ? null : ack?.error?.code ?? "malformed";
              entry.inFlight = false;
              visitor.sending.delete(entry);
              if (code) {
                tally(result.ack_errors, code);
                errorAckLatencies.push(now() - (entry.resent ?? entry.sent));
              }
              const wait = Number(ack?.error?.fields?.retry_after);
              if (code === "overloaded" && options.retry && wait > 0 && visitor.socket.connected) {
                // As the widget's outbox: the visitor holds every message for retry_after (doubled for each
                // hold in a row), then sends them again one at a time, oldest first, each once the one before
                // is accepted.
                result.retried++;
                visitor.draining = false;
                visitor.waiting.push({ entry, send });
                if (!visitor.held) {
                  visitor.held = true;
                  const backoff = Math.min(60000, wait * 1000 * 2 ** Math.min(visitor.holds, 10));
                  visitor.holds += 1;
                  setTimeout(() => {
                    visitor.held = false;
                    visitor.draining = true;
                    sendNextWaiting(visitor);
                  }, backoff + Math.random() * (backoff / 2));
                }
                return;
              }
              if (!code) visitor.holds = 0;
              sendNextWaiting(visitor);
              entry.acked = now();
              if (code) {
                entry.failed = true;
              } else {
                result.acked_ok++;
                ackLatencies.push(entry.acked - entry.sent);
              }
            },
          );
        };
        send();
        sent++;
      }
      if (sent < total) setTimeout(tick, 2);
      else resolve();
    };
    setTimeout(tick, Math.max(0, start - now()));
  });
  result.sent = sent;
  result.send_s = Math.round(now() - start) / 1000;
  const deadline = now() + options.drain * 1000;
  while (now() < deadline) {
    let open = 0;
    for (const entry of pending.values()) {
      if (entry.acked === undefined || (!entry.failed && entry.delivered === undefined)) open++;
    }
    if (open === 0) break;
    await sleep(50);
  }
  log("MARK end");
  const cpu = process.cpuUsage(cpuBefore);
  result.loadgen_cpu_percent = Math.round(((cpu.user + cpu.system) / 1000 / (now() - start)) * 1000) / 10;
  const unacked = [...pending.values()].filter((entry) => entry.acked === undefined);
  result.unacked = unacked.length;
  // Of those, sent and never answered at all (what target 2 forbids), against refused as `overloaded` and
  // still held by the outbox's backoff (retry_after, doubled for each refusal in a row) when the drain ended,
  // or resent by it in the drain's last seconds, with their answer on its way.
  const end = now();
  const waiting = unacked.filter((entry) => entry.inFlight);
  const silent = waiting.filter((entry) => end - entry.lastSent > UNANSWERED_AFTER_MS);
  result.unanswered = silent.length;
  result.unanswered_lost = silent.filter((entry) => entry.lost).length; // connection closed meanwhile
  result.longest_unanswered_ms = Math.round(Math.max(0, ...waiting.map((entry) => end - entry.lastSent)));
  result.undelivered = [...pending.values()].filter((entry) => entry.delivered === undefined).length;
  result.delivered_per_s = Math.round((result.delivered_in_window / options.duration) * 10) / 10;
  result.latency_ms = percentiles(latencies);
  result.ack_latency_ms = percentiles(ackLatencies);
  result.error_ack_latency_ms = percentiles(errorAckLatencies);
  result.send_lag_ms = percentiles(lags);
  closing = true;
  for (const socket of [...tabs, ...consoles, ...visitors.map((visitor) => visitor.socket)]) socket.close();
}

async function main() {
  const result = {
    url: base, mode: options.mode, visitors: options.visitors, agents: options.agents,
    rate: options.rate, duration: options.duration, transports: options.transports,
    visitors_connected: 0, agent_tabs: 0, sent: 0, acked_ok: 0, delivered: 0, conversation_updated: 0,
    ack_errors: {}, connect_errors: {}, disconnects: {}, delivered_by: {}, retried: 0,
  };
  if (options.mode === "idle") await idle(result);
  else if (options.mode === "reconnect") await reconnect(result);
  else await chat(result);
  // Sockets that the server left hanging must not keep the process alive; but exit only once the whole
  // line is out (a pipe is written asynchronously: exiting earlier cut 5,000 visitors' results at 128 KB).
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

main().catch((error) => {
  process.stderr.write(`[loadgen] failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
