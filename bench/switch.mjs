// Switching conversations: an IRC connection holding two channels of 5,000 entries each (the
// history cap set to it), then a click on the hidden one. Prints, per round and as medians, how
// many animation frames passed before the shown list held the new conversation's newest line
// (0: it was there when the next frame began, so that frame drew it), the milliseconds from the
// click to that frame's start and to the start of the one after (the frame drawn), and
// Chromium's script, layout and style time for the switch.
// Usage: node bench/switch.mjs [--rounds 10] [--entries 5000]
import WebSocket from "ws";
import { openBench, option } from "./site.mjs";

const ROUNDS = Number(option("rounds", 10));
const ENTRIES = Number(option("entries", 5000));

const bench = await openBench();

/** Sends `count` PRIVMSGs to each channel through the room, 500 lines a frame. */
async function fill(room, channels, count) {
  const peer = new WebSocket(`ws://${bench.server.addr}/ws?room=${room}`);
  await new Promise((resolve, reject) => (peer.once("open", resolve), peer.once("error", reject)));
  for (const channel of channels) {
    for (let start = 0; start < count; start += 500) {
      const lines = [];
      for (let i = start; i < Math.min(count, start + 500); i++) {
        lines.push(`:user${i % 7}!u@h PRIVMSG ${channel} :${channel} line ${i} with a few words in it`);
      }
      peer.send(lines.join("\r\n"));
    }
  }
  return peer;
}

/** In the page: clicks conversation `name` and counts frames until its newest line is shown. */
function switchTo({ name, newest }) {
  const shown = () =>
    document.querySelector('[data-testid="conversation"][data-active="true"]')?.dataset.name === name &&
    [...document.querySelectorAll('[data-testid="message-text"]')].at(-1)?.textContent === newest;
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  return (async () => {
    const start = performance.now();
    document.querySelector(`[data-testid="conversation"][data-name="${name}"]`).click();
    let frames = 0;
    await frame();
    while (!shown()) (frames++, await frame());
    const readyMs = performance.now() - start;
    await frame();
    return { frames, readyMs, drawnMs: performance.now() - start };
  })();
}

const samples = [];
for (let round = 0; round < ROUNDS; round++) {
  const room = `switch-${process.pid}-${round}`;
  const context = await bench.browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  await page.goto(
    bench.pageUrl("wschat", `/ws?room=${room}`, { protocol: "irc", subprotocols: "", channel: "#a,#b", history: ENTRIES }),
  );
  await page.waitForSelector('[data-testid="connection-status"][data-ready-state="open"]');
  const peer = await fill(room, ["#a", "#b"], ENTRIES);
  const all = String(ENTRIES);
  await page.waitForFunction(
    (all) =>
      document.querySelector('[data-testid="message-list"]')?.dataset.totalReceived === all &&
      document.querySelector('[data-testid="conversation"][data-name="#b"]')?.dataset.unread === all,
    all,
    { timeout: 120_000, polling: 100 },
  );
  const newest = (channel) => `${channel} line ${ENTRIES - 1} with a few words in it`;
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  const measured = async (name) => {
    const before = await metrics();
    const result = await page.evaluate(switchTo, { name, newest: newest(name) });
    const after = await metrics();
    const ms = (key) => (after[key] - before[key]) * 1000;
    return { ...result, scriptMs: ms("ScriptDuration"), layoutMs: ms("LayoutDuration"), styleMs: ms("RecalcStyleDuration") };
  };
  const toB = await measured("#b");
  const toA = await measured("#a");
  samples.push(toB, toA);
  process.stderr.write(`  round ${round + 1}/${ROUNDS}: ${JSON.stringify([toB, toA])}\n`);
  peer.close();
  await context.close();
}
await bench.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\nSwitching between two conversations of ${ENTRIES} entries, ${samples.length} switches:`);
const ms = (key) => median(samples.map((s) => s[key])).toFixed(1);
console.log(`| frames before shown (median, max) | click to the frame that shows it, ms | to that frame drawn, ms | script, ms | layout, ms | style, ms |`);
console.log(`|---|---|---|---|---|---|`);
console.log(
  `| ${median(samples.map((s) => s.frames))}, ${Math.max(...samples.map((s) => s.frames))} | ${ms("readyMs")} | ${ms("drawnMs")} | ${ms("scriptMs")} | ${ms("layoutMs")} | ${ms("styleMs")} |`,
);
