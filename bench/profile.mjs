// A CPU profile of one burst, for finding where the time goes: prints the functions with the
// most self time. Usage: node bench/profile.mjs [N] [PER_FRAME] [wschat|naive|batched]
// (RATE=5000 sends at that rate; NAMES=1, INCLUSIVE=1, TOP=n: see below)
import { openBench } from "./site.mjs";

const n = Number(process.argv[2] || 10000);
const perFrame = Number(process.argv[3] || 1);
const client = process.argv[4] || "wschat";
const site = await openBench({ namedWasm: process.env.NAMES === "1" });
const { browser } = site;
const page = await browser.newPage();
const cdp = await page.context().newCDPSession(page);
const rate = process.env.RATE ? { rate: Number(process.env.RATE) } : {};
const flood = new URLSearchParams({ n, per_frame: perFrame, delay_ms: 600, ...rate });
await page.goto(site.pageUrl(client, `/flood?${flood}`));
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
await cdp.send("Profiler.start");
await page.waitForFunction((n) => Number(document.querySelector('[data-testid="message-list"]')?.getAttribute("data-total-received")) >= n, n, { timeout: 120_000 });
const { profile } = await cdp.send("Profiler.stop");
const self = new Map();
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const dt = profile.timeDeltas;
const nameOf = (node) => `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.split("/").pop()}`;
profile.samples.forEach((id, i) => {
  const name = nameOf(byId.get(id));
  self.set(name, (self.get(name) || 0) + (dt[i] || 0) / 1000);
});
// With INCLUSIVE=1, time per function including what it calls (each sample counted once per
// function on its stack).
if (process.env.INCLUSIVE === "1") {
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children || []) parent.set(child, node.id);
  self.clear();
  profile.samples.forEach((id, i) => {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = nameOf(byId.get(at));
      if (!seen.has(name)) self.set(name, (self.get(name) || 0) + (dt[i] || 0) / 1000);
      seen.add(name);
    }
  });
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
for (const [name, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP || 30))) {
  console.log(`${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`);
}
// Self time by where the code lives: the wasm module, the JS glue, the browser's own functions.
const byPlace = new Map();
for (const [name, ms] of self) {
  const place = name.endsWith(".wasm") ? "wasm" : name.endsWith(".js") ? "js" : name.startsWith("(") ? name.split(" ")[0] : "browser";
  byPlace.set(place, (byPlace.get(place) || 0) + ms);
}
console.log([...byPlace].sort((a, b) => b[1] - a[1]).map(([p, ms]) => `${p} ${ms.toFixed(0)} ms`).join(" · "));
await site.close();
