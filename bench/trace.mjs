// A Chromium trace of one burst per client, summarised: main-thread time by trace event name
// (self time of the renderer's events: script, layout, style, paint, GC, ...). For finding
// where the time outside script goes. Usage: node bench/trace.mjs [N] [PER_FRAME] [RATE per second]
import { openBench } from "./site.mjs";

const n = Number(process.argv[2] || 10000);
const perFrame = Number(process.argv[3] || 1);
const rate = process.argv[4] ? { rate: Number(process.argv[4]) } : {};
const site = await openBench();
const { browser } = site;
for (const client of ["wschat", "batched"]) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  const flood = new URLSearchParams({ n, per_frame: perFrame, ts: 1, delay_ms: 400, ...rate });
  await page.goto(site.pageUrl(client, `/flood?${flood}`));
  await page.waitForSelector('[data-testid="connection-status"][data-ready-state="open"]', { state: "attached" });
  await browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "blink.console"] });
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="message-list"]')?.getAttribute("data-total-received")) >= n, n, { timeout: 120_000, polling: 100 });
  const trace = JSON.parse((await browser.stopTracing()).toString());
  // Self time per event name on the renderer main thread: complete events nest by time.
  const events = trace.traceEvents.filter((e) => e.ph === "X" && e.dur);
  const threads = new Map();
  for (const e of events) threads.set(`${e.pid}:${e.tid}`, (threads.get(`${e.pid}:${e.tid}`) || 0) + (e.name === "RunTask" ? e.dur : 0));
  const busiest = [...threads].filter(([k]) => events.some((e) => `${e.pid}:${e.tid}` === k && e.name === "FunctionCall")).sort((a, b) => b[1] - a[1])[0][0];
  const mine = events.filter((e) => `${e.pid}:${e.tid}` === busiest).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const self = new Map();
  const stack = [];
  for (const e of mine) {
    while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop();
    if (stack.length) self.set(stack.at(-1).name, (self.get(stack.at(-1).name) || 0) - e.dur);
    self.set(e.name, (self.get(e.name) || 0) + e.dur);
    stack.push(e);
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 14);
  console.log(client, rows.map(([name, us]) => `${name} ${(us / 1000).toFixed(0)}`).join(" · "));
  await context.close();
}
await site.close();
