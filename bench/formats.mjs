// Decoding cost per message by wire format: a burst of N messages into the shown conversation,
// sent as plain text lines and as STOMP MESSAGE frames by a peer in the same reference-server
// room (for STOMP the peer plays the broker: it answers the page's CONNECT and SUBSCRIBE, then
// floods). MQTT is left out: the reference server relays text frames only. Prints, per format, the median wall time from the first frame
// sent to the last message counted, and its ratio to plain text measured in the same run.
// Usage: node bench/formats.mjs [--rounds 5] [--n 10000]
import WebSocket from "ws";
import { openBench, option } from "./site.mjs";

const ROUNDS = Number(option("rounds", 5));
const N = Number(option("n", 10_000));
/** Messages per WebSocket frame the peer sends (a broker's burst). */
const PER_FRAME = 100;

const bench = await openBench();

/** What the peer sends for message `i`, and what it answers to the page's handshake. */
const formats = {
  text: {
    params: { protocol: "text" },
    message: (i) => `bob: message ${i} with a few words in it`,
    join: (frames) => frames.join("\n"),
    answer: () => [],
  },
  stomp: {
    params: { protocol: "stomp", channel: "/topic/chat" },
    message: (i) => `MESSAGE\ndestination:/topic/chat\nmessage-id:${i}\nsubscription:/topic/chat\n\n{"nick":"bob","text":"message ${i} with a few words in it"}\0`,
    join: (frames) => frames.join(""),
    answer: (data) => {
      const text = String(data);
      // The room relays every frame to its sender too: only the page's own CONNECT is answered.
      if (text.startsWith("CONNECT\n")) return ["CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0"];
      if (text.startsWith("SUBSCRIBE\n")) return ["RECEIPT\nreceipt-id:join\\c/topic/chat\n\n\0"];
      return [];
    },
  },
};

/** One page of `format` in a fresh room: ready, then N messages; the wall time of the burst. */
async function burst(name) {
  const format = formats[name];
  const room = `formats-${name}-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const peer = new WebSocket(`ws://${bench.server.addr}/ws?room=${room}`);
  await new Promise((resolve, reject) => (peer.once("open", resolve), peer.once("error", reject)));
  peer.on("message", (data, binary) => format.answer(data, binary).forEach((reply) => peer.send(reply)));
  const context = await bench.browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  await page.goto(bench.pageUrl("wschat", `/ws?room=${room}`, { subprotocols: "", ...format.params }));
  await page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout: 30_000 });
  if (name !== "text") {
    await page.locator('[data-testid="conversation"][data-active="true"]:not(.parted)').waitFor({ timeout: 30_000 });
  }
  const start = Date.now();
  for (let i = 0; i < N; i += PER_FRAME) {
    const frames = [];
    for (let j = i; j < Math.min(N, i + PER_FRAME); j++) frames.push(format.message(j));
    peer.send(format.join(frames));
  }
  await page.waitForFunction((n) => document.querySelector('[data-testid="message-list"]')?.dataset.totalReceived === String(n), N, {
    timeout: 180_000,
    polling: 50,
  });
  const wallMs = Date.now() - start;
  peer.close();
  await context.close();
  return wallMs;
}

const samples = Object.fromEntries(Object.keys(formats).map((f) => [f, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? Object.keys(formats) : Object.keys(formats).reverse();
  for (const name of order) samples[name].push(await burst(name));
  process.stderr.write(`  round ${round + 1}/${ROUNDS}: ${JSON.stringify(Object.fromEntries(order.map((n) => [n, samples[n].at(-1)])))}\n`);
}
await bench.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const text = median(samples.text);
console.log(`\nA burst of ${N} messages, ${PER_FRAME} a frame, ${ROUNDS} rounds:`);
console.log("| format | wall ms (median) | per message, µs | ratio to text |");
console.log("|---|---|---|---|");
for (const [name, xs] of Object.entries(samples)) {
  const wall = median(xs);
  console.log(`| ${name} | ${wall.toFixed(0)} | ${((wall * 1000) / N).toFixed(1)} | ${(wall / text).toFixed(2)} |`);
}
