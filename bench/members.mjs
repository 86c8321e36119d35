// A large channel: an IRC connection (through the reference server's room, as bench/switch.mjs)
// is sent NAMES of N members in lines of 40, then joins and parts of other members at a steady
// rate. Prints, per client and round and as medians: milliseconds from the first NAMES line sent
// to the list complete (`data-count`, or for a build without it the `user` elements), the longest
// animation frame meanwhile (long-animation-frame entries), and during the joins and parts the
// 99th percentile of the gaps between animation frames.
// Usage: node bench/members.mjs [--rounds 3] [--members 10000] [--rate 100] [--seconds 5] [--against DIR]
import WebSocket from "ws";
import { openBench, option } from "./site.mjs";

const ROUNDS = Number(option("rounds", 3));
const MEMBERS = Number(option("members", 10000));
const RATE = Number(option("rate", 100));
const SECONDS = Number(option("seconds", 5));
const AGAINST = option("against", null);
const CLIENTS = AGAINST ? ["wschat", "before"] : ["wschat"];

const bench = await openBench({ against: AGAINST });

/** Runs in the page before it loads: long frames and frame gaps, recorded on request. */
function instrument() {
  window.__frames = { long: [], gaps: [], recording: false };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__frames.long.push(entry.duration);
  }).observe({ type: "long-animation-frame", buffered: true });
  let last = null;
  const tick = (now) => {
    if (window.__frames.recording && last !== null) window.__frames.gaps.push(now - last);
    last = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

const listed = () => {
  const list = [...document.querySelectorAll('[data-testid="user-list"]')].find((l) => l.offsetParent !== null);
  if (!list) return 0;
  return list.dataset.count !== undefined ? Number(list.dataset.count) : list.querySelectorAll('[data-testid="user"]').length;
};

async function run(client, round) {
  const room = `members-${process.pid}-${client}-${round}`;
  const context = await bench.browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  await page.goto(bench.pageUrl(client, `/ws?room=${room}`, { protocol: "irc", subprotocols: "", channel: "#big" }));
  await page.waitForSelector('[data-testid="connection-status"][data-ready-state="open"]');
  const peer = new WebSocket(`ws://${bench.server.addr}/ws?room=${room}`);
  await new Promise((resolve, reject) => (peer.once("open", resolve), peer.once("error", reject)));
  // The page's JOIN, as the server would echo it, then NAMES.
  peer.send(":bench!u@h JOIN #big");
  await page.waitForFunction(() => document.querySelector('[data-testid="conversation"][data-name="#big"]'), null, { timeout: 30_000 });
  await page.evaluate(() => (window.__frames.long = []));
  const names = ["bench", ...Array.from({ length: MEMBERS - 1 }, (_, i) => `member${i + 1}`)];
  const lines = [];
  for (let i = 0; i < names.length; i += 40) lines.push(`:srv 353 bench = #big :${names.slice(i, i + 40).join(" ")}`);
  lines.push(":srv 366 bench #big :End of /NAMES list.");
  const sent = Date.now();
  peer.send(lines.join("\r\n"));
  await page.waitForFunction(listed, null, { timeout: 60_000, polling: "raf" });
  await page.waitForFunction((n) => {
    const list = [...document.querySelectorAll('[data-testid="user-list"]')].find((l) => l.offsetParent !== null);
    const count = list?.dataset.count !== undefined ? Number(list.dataset.count) : list?.querySelectorAll('[data-testid="user"]').length;
    return count === n;
  }, MEMBERS, { timeout: 60_000, polling: "raf" });
  const completeMs = Date.now() - sent;
  // Long-animation-frame entries reach the observer after their frame: let two more pass.
  const longestFrameMs = await page.evaluate(async () => {
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    return Math.max(0, ...window.__frames.long);
  });
  // Joins and parts at RATE a second: one line every 1000/RATE ms.
  await page.evaluate(() => (window.__frames.recording = true));
  const every = 1000 / RATE;
  for (let i = 0; i < RATE * SECONDS; i++) {
    const who = `visitor${i % 50}`;
    peer.send(i % 100 < 50 ? `:${who}!u@h JOIN #big` : `:${who}!u@h PART #big :bye`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
  const gaps = await page.evaluate(() => ((window.__frames.recording = false), window.__frames.gaps));
  gaps.sort((a, b) => a - b);
  const p99GapMs = gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * 0.99))] ?? 0;
  peer.close();
  await context.close();
  return { completeMs, longestFrameMs, p99GapMs };
}

const samples = Object.fromEntries(CLIENTS.map((c) => [c, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const client of round % 2 ? [...CLIENTS].reverse() : CLIENTS) {
    const result = await run(client, round);
    samples[client].push(result);
    process.stderr.write(`  round ${round + 1}/${ROUNDS} ${client}: ${JSON.stringify(result)}\n`);
  }
}
await bench.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\nA channel of ${MEMBERS} members, then ${RATE} joins and parts a second for ${SECONDS} s (medians of ${ROUNDS}):`);
console.log("| client | NAMES to a complete list, ms | longest frame meanwhile, ms | p99 frame gap during joins and parts, ms |");
console.log("|---|---|---|---|");
for (const client of CLIENTS) {
  const s = samples[client];
  const m = (key) => median(s.map((r) => r[key])).toFixed(0);
  console.log(`| ${client} | ${m("completeMs")} | ${m("longestFrameMs")} | ${m("p99GapMs")} |`);
}
