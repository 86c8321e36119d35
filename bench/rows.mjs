// The browser's cost of drawing rows under one stylesheet or another, without a client or a
// socket: a page fills a list with 5,000 rows in wschat's markup (made by the baselines' `row`;
// blocks of 50, sealed when complete), then for 300 frames adds 83 rows a frame (5,000 a
// second), removes as many of the oldest and pins the list to the bottom. Prints Chromium's layout and style time per variant,
// interleaved over rounds; for judging a stylesheet change before running the whole bench.
// Usage: node bench/rows.mjs [--rounds 5] [--grouped] A.css B.css ...
//   --grouped: every row but the first is under one author's header (a one-author flood).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../tests/e2e/helpers.mjs";

const args = process.argv.slice(2);
const roundsAt = args.indexOf("--rounds");
const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 5;
const groupedAt = args.indexOf("--grouped");
const grouped = groupedAt >= 0 && args.splice(groupedAt, 1).length > 0;
if (args.length === 0) {
  console.error("usage: node bench/rows.mjs [--rounds 5] [--grouped] A.css B.css ...");
  process.exit(2);
}

/** In the page: sets up `window.drawFrames(frames)`, which draws that many frames of 83 rows
 * made by the baselines' `row` (wschat's markup), loaded as `window.row`. */
function setUp({ grouped }) {
  const list = document.querySelector('[data-testid="message-list"]');
  let made = 0;
  let rows = 0;
  const row = () => {
    const nick = grouped ? "flood" : `user${made % 7}`;
    return window.row([nick, `message ${made++} with a few words in it, some of them long enough to wrap t=${performance.now()}`]);
  };
  const frame = (count) => {
    for (let block = list.lastElementChild?.previousElementSibling; block && block.className === "chunk"; block = block.previousElementSibling) {
      block.className = "chunk sealed";
    }
    let block = list.lastElementChild;
    for (let i = 0; i < count; i++) {
      if (!block || block.childElementCount >= 50) {
        block = document.createElement("div");
        block.className = "chunk";
        list.appendChild(block);
      }
      block.appendChild(row());
    }
    rows += count;
    for (; rows > 5000; rows--) {
      const oldest = list.firstElementChild;
      oldest.firstElementChild.remove();
      if (!oldest.firstElementChild) oldest.remove();
    }
    list.scrollTop = list.scrollHeight;
  };
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  window.drawFrames = async (frames) => {
    const start = performance.now();
    for (let i = 0; i < frames; i++) (frame(83), await nextFrame());
    return performance.now() - start;
  };
}

const browser = await launchChromium();
const samples = Object.fromEntries(args.map((file) => [file, []]));
for (let round = 0; round < rounds; round++) {
  for (const file of round % 2 ? [...args].reverse() : args) {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await page.setContent(
      `<style>${readFileSync(file, "utf8")}</style><div class="app"><main class="conversation"><div class="message-pane">` +
        `<ol class="messages" data-testid="message-list" role="log"></ol></div></main></div>`,
    );
    const common = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "baselines/common.js"), "utf8");
    await page.addScriptTag({ type: "module", content: `${common}\nwindow.row = row;` });
    await page.waitForFunction(() => typeof window.row === "function");
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
    await page.evaluate(setUp, { grouped });
    // Filling is not timed: only the 300 frames of a full list count.
    await page.evaluate(() => window.drawFrames(61));
    const before = await metrics();
    const wallMs = await page.evaluate(() => window.drawFrames(300));
    const after = await metrics();
    samples[file].push({
      wallMs,
      layoutMs: (after.LayoutDuration - before.LayoutDuration) * 1000,
      styleMs: (after.RecalcStyleDuration - before.RecalcStyleDuration) * 1000,
    });
    await page.close();
  }
  process.stderr.write(`  round ${round + 1}/${rounds}\n`);
}
await browser.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const first = args[0];
for (const file of args) {
  const line = ["layoutMs", "styleMs", "wallMs"].map((k) => {
    const m = median(samples[file].map((s) => s[k]));
    return `${k} ${m.toFixed(0)} (${(m / median(samples[first].map((s) => s[k]))).toFixed(2)})`;
  });
  console.log(path.basename(file).padEnd(16), line.join("  "));
}
