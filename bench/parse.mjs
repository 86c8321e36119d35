// A hostile server's smallest packets, a mebibyte in one frame: a small `ws` server on loopback
// answers the page's handshake and then sends one frame of MQTT PINGRESPs, of STOMP frames with
// CRLF line ends, one XML element of distinct attributes, or one of empty children. Prints, per
// client and format, the longest animation frame from the frame sent (the page settled a second
// before it) until the page has drawn twice more a second and a half later, and the longest
// blocking time (Chromium's long-animation-frame entries: 0 when no frame passed 50 ms; a
// frame's blocking time is what its long tasks and rendering took past 50 ms, the wait input
// would have had), as medians of the rounds.
// Usage: node bench/parse.mjs [--rounds 3] [--bytes 1048576] [--against DIR]
import { WebSocketServer } from "ws";
import { openBench, option } from "./site.mjs";

const ROUNDS = Number(option("rounds", 3));
const BYTES = Number(option("bytes", 1 << 20));
const AGAINST = option("against", null);
const CLIENTS = AGAINST ? ["wschat", "before"] : ["wschat"];

/** What each format's server says: the handshake answer, then the hostile frame. */
const FORMATS = {
  mqtt: {
    subprotocol: "mqtt",
    // CONNACK (MQTT 5: flags, code, no properties), then PINGRESPs.
    answer: () => Buffer.from([0x20, 3, 0, 0, 0]),
    hostile: () => Buffer.alloc(BYTES, Buffer.from([0xd0, 0x00])),
  },
  stomp: {
    subprotocol: "v12.stomp",
    answer: () => "CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0",
    hostile: () => "A\r\n\r\n\0".repeat(Math.floor(BYTES / 6)),
  },
  "xmpp children": {
    protocol: "xmpp",
    subprotocol: "xmpp",
    answer: () => "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='h' id='1' version='1.0'/>",
    hostile: () => `<message xmlns='jabber:client'>${"<b/>".repeat(Math.floor(BYTES / 4))}</message>`,
  },
  xmpp: {
    subprotocol: "xmpp",
    answer: () => "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='h' id='1' version='1.0'/>",
    hostile: () => {
      let attributes = "";
      for (let i = 0; attributes.length < BYTES; i++) attributes += ` a${i}='x'`;
      return `<message xmlns='jabber:client'${attributes}/>`;
    },
  },
};

const servers = {};
for (const [name, format] of Object.entries(FORMATS)) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: (offered) => (offered.has(format.subprotocol) ? format.subprotocol : false) });
  wss.on("connection", (ws) => {
    let answered = false;
    ws.on("message", () => {
      if (answered) return;
      answered = true;
      ws.send(format.answer());
      servers[name].latest = ws;
    });
  });
  await new Promise((resolve) => wss.on("listening", resolve));
  servers[name] = { wss, url: `ws://127.0.0.1:${wss.address().port}/` };
}

const bench = await openBench({ against: AGAINST });

function instrument() {
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__long.push([entry.duration, entry.blockingDuration]);
  }).observe({ type: "long-animation-frame", buffered: false });
}

async function run(client, name) {
  const context = await bench.browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  const url = bench.pageUrl(client, "/unused", {}).replace(/url=[^&]*/, `url=${encodeURIComponent(servers[name].url)}`);
  await page.goto(`${url}&protocol=${FORMATS[name].protocol ?? name}`);
  await page.waitForSelector('[data-testid="connection-status"][data-ready-state="open"]', { timeout: 30_000 });
  // The page settles after its handshake (its own first frames are not what is measured);
  // then only the frames after the hostile one count.
  await page.waitForTimeout(1000);
  await page.evaluate(() => (window.__long = []));
  servers[name].latest.send(FORMATS[name].hostile());
  await page.waitForTimeout(1500);
  const longest = await page.evaluate(async () => {
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    return window.__long.reduce(([d, b], [duration, blocking]) => [Math.max(d, duration), Math.max(b, blocking)], [0, 0]);
  });
  await context.close();
  return longest;
}

const samples = {};
const blocked = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const name of Object.keys(FORMATS)) {
    for (const client of round % 2 ? [...CLIENTS].reverse() : CLIENTS) {
      const [ms, blocking] = await run(client, name);
      (samples[`${client} ${name}`] ??= []).push(ms);
      (blocked[`${client} ${name}`] ??= []).push(blocking);
      process.stderr.write(`  round ${round + 1}/${ROUNDS} ${client} ${name}: longest frame ${ms.toFixed(0)} ms, blocking ${blocking.toFixed(0)} ms\n`);
    }
  }
}
await bench.close();
for (const { wss } of Object.values(servers)) wss.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\nOne frame of ${BYTES} bytes of the smallest packets; the longest animation frame after it, and its blocking time in brackets (medians of ${ROUNDS}):`);
console.log(`| client | ${Object.keys(FORMATS).join(" | ")} |`);
console.log(`|---|${Object.keys(FORMATS).map(() => "---").join("|")}|`);
for (const client of CLIENTS) {
  const cell = (name) => `${median(samples[`${client} ${name}`]).toFixed(0)} ms (${median(blocked[`${client} ${name}`]).toFixed(0)} ms)`;
  console.log(`| ${client} | ${Object.keys(FORMATS).map(cell).join(" | ")} |`);
}
