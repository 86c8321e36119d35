// The benchmark: wschat's release build against two hand-written JavaScript baselines
// (`naive`: one appendChild per message; `batched`: one DocumentFragment per animation frame
// with a 5,000-entry history cap), fed by the reference server's flood mode on loopback, in
// headless Chromium. A fresh page per run; the clients interleaved, the order alternating
// each round; medians, and ratios to `batched` measured in the same run.
//
// Usage: node bench/run.mjs [--rounds 12] [--heavy-rounds 12] [--sustained-rounds 12]
//                           [--out bench/results.json] [--scenario N:PER_FRAME | RATE/s]
//                           [--against DIR] [--clients wschat,nostore,batched]
// (`--against DIR` with `--scenario`: a dist directory built from another commit runs as a
// fourth client, `before`, interleaved with the others: for telling whether a change helped.)
// (bench/run builds the release first and runs this.)
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import path from "node:path";
import { gzipSync, brotliCompressSync, constants as zlib } from "node:zlib";
import { root } from "../tests/e2e/helpers.mjs";
import { dist, openBench, option } from "./site.mjs";

const ROUNDS = Number(option("rounds", 12));
const SUSTAINED_ROUNDS = Number(option("sustained-rounds", ROUNDS));
// The 100,000 bursts take about 20 s a run; their rounds can be set apart.
const HEAVY_ROUNDS = Number(option("heavy-rounds", ROUNDS));
const OUT = option("out", path.join(root, "bench/results.json"));
const AGAINST = option("against", null);
// `--clients` leaves some out of a quick `--scenario` check (naive is slow on large ones);
// batched always runs, as every ratio is to it.
// `nostore` (asked for by name only) is wschat with no IndexedDB: the stored history's cost.
const ASKED = option("clients", null)?.split(",") ?? [];
const CLIENTS = [...(AGAINST ? ["wschat", "before", "naive", "batched"] : ["wschat", "naive", "batched"]), ...(ASKED.includes("nostore") ? ["nostore"] : [])].filter(
  (c) => c === "batched" || !ASKED.length || ASKED.includes(c),
);

const site = await openBench({ against: AGAINST });
const { browser, pageUrl } = site;

// Runs in the page before anything else: watches the message list, and records when the
// target count has painted, the paint lag of stamped messages, and long animation frames.
function instrument() {
  const params = new URLSearchParams(location.search);
  const target = Number(params.get("bench_n") || 0);
  const wantLags = params.get("bench_lag") === "1";
  const now = () => performance.timeOrigin + performance.now();
  const bench = (window.__bench = { lags: [], longFrames: [], firstStamp: null, doneAt: null, open: false, wasm: null });
  // wasm linear memory is not in the JS heap figure: keep hold of it to count it too.
  for (const name of ["instantiate", "instantiateStreaming"]) {
    const original = WebAssembly[name];
    WebAssembly[name] = async (...args) => {
      const result = await original.apply(WebAssembly, args);
      const memory = (result.instance || result).exports?.memory;
      if (memory) bench.wasm = memory;
      return result;
    };
  }
  new PerformanceObserver((list) => {
    // With when each ended, so that frames before the flood (loading, mounting) can be left out.
    for (const entry of list.getEntries()) bench.longFrames.push({ end: performance.timeOrigin + entry.startTime + entry.duration, ms: entry.duration });
  }).observe({ type: "long-animation-frame", buffered: true });
  const stampOf = (node) => {
    const text = node.querySelector?.('[data-testid="message-text"]')?.textContent || "";
    const match = / t=([\d.]+)$/.exec(text);
    return match ? Number(match[1]) : null;
  };
  const watch = () => {
    const list = document.querySelector('[data-testid="message-list"]');
    const status = document.querySelector('[data-testid="connection-status"]');
    if (!list || !status) return requestAnimationFrame(watch);
    const checkOpen = () => (bench.open = status.getAttribute("data-ready-state") === "open");
    new MutationObserver(checkOpen).observe(status, { attributes: true });
    checkOpen();
    // Rows may be added to the list or to blocks within it, one by one or inside a block
    // added whole: every row is counted once, wherever it was added.
    const seen = new WeakSet();
    const rowsIn = (node) =>
      node.nodeType !== Node.ELEMENT_NODE ? [] : node.matches('[data-testid="message"]') ? [node] : node.querySelectorAll('[data-testid="message"]');
    new MutationObserver((records) => {
      const stamps = [];
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (bench.firstStamp !== null && !wantLags) break;
          for (const row of rowsIn(node)) {
            if (seen.has(row)) continue;
            seen.add(row);
            const stamp = stampOf(row);
            if (stamp !== null) {
              if (bench.firstStamp === null) bench.firstStamp = stamp;
              if (wantLags) stamps.push(stamp);
            }
          }
        }
      }
      const total = Number(list.getAttribute("data-total-received"));
      requestAnimationFrame(() => {
        const painted = now();
        for (const stamp of stamps) bench.lags.push(painted - stamp);
        if (target && total >= target && bench.doneAt === null) bench.doneAt = painted;
      });
    }).observe(list, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-total-received"] });
  };
  watch();
}

async function metrics(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

/** One fresh page: open, wait for the socket, let the flood run until `n` have painted. */
/** Waits until the page's store holds `n` lines (at most 30 s; then says so). */
async function storeCaughtUp(page, n) {
  const stored = () =>
    page.evaluate(
      () =>
        new Promise((resolve) => {
          const open = indexedDB.open("wschat-history");
          open.onerror = () => resolve(0);
          open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains("counts")) return resolve((db.close(), 0));
            const lines = db.transaction("counts").objectStore("counts").get("lines");
            lines.onsuccess = () => resolve((db.close(), lines.result ?? 0));
            lines.onerror = () => resolve((db.close(), 0));
          };
        }),
    );
  const until = Date.now() + 30_000;
  while ((await stored()) < n) {
    if (Date.now() > until) return console.error(`  the store held ${await stored()} of ${n} lines after 30 s`);
    await page.waitForTimeout(100);
  }
}

async function run(client, { n, perFrame = 1, rate, lag = false, timeoutMs = 180_000 }) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  if (client === "nostore") await page.addInitScript(() => Object.defineProperty(window, "indexedDB", { value: undefined }));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const flood = new URLSearchParams({ n, per_frame: perFrame, ts: 1, delay_ms: 400, ...(rate ? { rate } : {}) });
  await page.goto(pageUrl(client, `/flood?${flood}`, { bench_n: n, bench_lag: lag ? 1 : 0 }));
  await page.waitForFunction(() => window.__bench?.open, null, { timeout: 30_000 });
  const before = await metrics(cdp);
  await page.waitForFunction(() => window.__bench.doneAt !== null, null, { timeout: timeoutMs, polling: 100 });
  const after = await metrics(cdp);
  // The store writes behind the flood: until its writes catch up, the lines waiting for them
  // (up to some MB of records) are in the JS heap. Memory is read once they have.
  if (client === "wschat" || client === "before") await storeCaughtUp(page, n);
  // Memory is what stays: collected first, so the figure does not depend on when the
  // collector last ran (a 100,000 run read 1.8 MB for one client and 3.3 MB the next).
  await cdp.send("HeapProfiler.collectGarbage");
  const settled = await metrics(cdp);
  const bench = await page.evaluate(() => ({
    ...window.__bench,
    wasm: null,
    wasmBytes: window.__bench.wasm?.buffer.byteLength ?? 0,
    // What is in the document (the Nodes counter counts detached nodes still referenced too).
    inDocument: document.getElementsByTagName("*").length,
    messageElements: document.querySelectorAll('[data-testid="message"]').length,
  }));
  await context.close();
  return {
    wallMs: bench.doneAt - bench.firstStamp,
    taskMs: (after.TaskDuration - before.TaskDuration) * 1000,
    scriptMs: (after.ScriptDuration - before.ScriptDuration) * 1000,
    layoutMs: (after.LayoutDuration - before.LayoutDuration) * 1000,
    styleMs: (after.RecalcStyleDuration - before.RecalcStyleDuration) * 1000,
    heapMB: (settled.JSHeapUsedSize + bench.wasmBytes) / 2 ** 20,
    wasmMB: bench.wasmBytes / 2 ** 20,
    nodes: settled.Nodes,
    inDocument: bench.inDocument,
    messageElements: bench.messageElements,
    lags: bench.lags,
    // Frames of the flood only: from the server's first send on.
    longFrames: bench.longFrames.filter((f) => f.end >= bench.firstStamp).map((f) => f.ms),
  };
}

/** First contentful paint, and from navigation to the first message painted. */
async function firstPaint(client) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  await page.goto(pageUrl(client, "/flood?n=1&ts=1", { bench_n: 1 }));
  await page.waitForFunction(() => window.__bench.doneAt !== null, null, { timeout: 30_000 });
  const result = await page.evaluate(() => ({
    fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
    firstMessage: window.__bench.doneAt - performance.timeOrigin,
  }));
  await context.close();
  return result;
}

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

/** Runs `measure(client)` for every client, `rounds` times, alternating the order. */
async function interleaved(name, rounds, measure) {
  const samples = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
    for (const client of order) samples[client].push(await measure(client));
    process.stderr.write(`  ${name}: round ${round + 1}/${rounds}\n`);
  }
  return samples;
}

// `--scenario 10000:1` (a burst), `--scenario 5000/s` (10 s sustained) or `--scenario paint`
// (first paint, and open and first message shown) measures that alone,
// `--rounds` times interleaved, and prints the medians per client (bursts with layout, style
// and wasm memory) and the ratios to batched: for quick checks while working on one figure.
// Sizes: what a browser downloads to run each client (HTML aside).
const sizeOf = (files) => {
  const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
  const br = brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } });
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: br.length };
};
// The wire formats' and the rarely used views' modules (`split_*`, and `chunk_*` of code some of
// them share) are fetched when first wanted, not on load: they are counted apart.
const formatModule = (f) => /(^|\/)(split|chunk)_[^/]*\.wasm$/.test(f);
const builtFiles = (dir, lazy) =>
  readdirSync(dir, { recursive: true })
    .filter((f) => (f.endsWith(".wasm") || f.endsWith(".js")) && formatModule(f) === lazy)
    .map((f) => path.join(dir, f));
const baselineFiles = (kind) => [`${kind}.js`, "common.js"].map((f) => path.join(root, "bench/baselines", f));
const scenario = option("scenario", null);
// `--scenario size`: the sizes alone (no browser run).
if (scenario === "size") {
  const lazy = builtFiles(dist, true);
  const rows = [["wschat", builtFiles(dist, false)], ...(AGAINST ? [["before", builtFiles(AGAINST, false)]] : []), ["batched", baselineFiles("batched")]];
  for (const [client, files] of rows) {
    const { raw, gzip, brotli } = sizeOf(files);
    console.log(client.padEnd(8), `first load: raw ${raw}  gzip ${gzip}  brotli ${brotli}`);
  }
  if (lazy.length) console.log("wschat   modules fetched when wanted (formats, views): brotli", sizeOf(lazy).brotli, `in ${lazy.length} files`);
  await site.close();
  process.exit(0);
}
if (scenario) {
  const paint = scenario === "paint";
  const rate = scenario.endsWith("/s") ? Number(scenario.slice(0, -2)) : null;
  const [n, perFrame] = rate ? [rate * 10, 1] : scenario.split(":").map(Number);
  const samples = await interleaved(scenario, ROUNDS, (client) =>
    paint ? firstPaint(client) : run(client, { n, perFrame, rate, lag: !!rate }),
  );
  const figures = paint
    ? { fcpMs: (r) => r.fcp, firstMessageMs: (r) => r.firstMessage }
    : rate
    ? {
        p50LagMs: (r) => percentile(r.lags, 50),
        p99LagMs: (r) => percentile(r.lags, 99),
        longestFrameMs: (r) => Math.max(0, ...r.longFrames),
        framesOver200: (r) => r.longFrames.filter((d) => d > 200).length,
      }
    : Object.fromEntries(["wallMs", "taskMs", "scriptMs", "layoutMs", "styleMs", "heapMB", "wasmMB", "nodes", "inDocument", "messageElements"].map((k) => [k, (r) => r[k]]));
  const medians = Object.fromEntries(
    CLIENTS.map((c) => [c, Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, median(samples[c].map(f))]))]),
  );
  for (const client of CLIENTS) {
    const line = Object.keys(figures).map((k) => `${k} ${medians[client][k].toFixed(1)} (${(medians[client][k] / medians.batched[k]).toFixed(2)})`);
    console.log(client.padEnd(8), line.join("  "));
  }
  await site.close();
  process.exit(0);
}

const results = { machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGB: totalmem() / 2 ** 30 }, figures: {} };
const record = (figure, client, value) => {
  results.figures[figure] ??= {};
  results.figures[figure][client] = value;
};

for (const n of [1_000, 10_000, 100_000]) {
  for (const perFrame of [1, 100]) {
    const name = `burst ${n} × ${perFrame}/frame`;
    const rounds = n >= 100_000 ? HEAVY_ROUNDS : ROUNDS;
    const samples = await interleaved(name, rounds, (client) => run(client, { n, perFrame }));
    for (const client of CLIENTS) {
      const s = samples[client];
      record(`${name}: wall ms`, client, median(s.map((r) => r.wallMs)));
      record(`${name}: main-thread task ms`, client, median(s.map((r) => r.taskMs)));
      record(`${name}: script ms`, client, median(s.map((r) => r.scriptMs)));
      // What a client holds before the messages add much: most of the ratio after 100,000.
      if (n === 1_000 && perFrame === 1) {
        record("after 1,000: JS heap + wasm memory MB", client, median(s.map((r) => r.heapMB)));
      }
      if (n === 100_000 && perFrame === 1) {
        record("after 100,000: JS heap + wasm memory MB", client, median(s.map((r) => r.heapMB)));
        record("after 100,000: DOM nodes", client, median(s.map((r) => r.nodes)));
        record("after 100,000: elements in the document", client, median(s.map((r) => r.inDocument)));
        record("after 100,000: message elements in the document", client, median(s.map((r) => r.messageElements)));
      }
      // Faster than a frame can draw, messages wait and reach the client in large batches:
      // its memory then shows how much a batch holds at once (wasm memory keeps its peak).
      if (n === 100_000 && perFrame === 100) {
        record("after 100,000 × 100/frame: JS heap + wasm memory MB", client, median(s.map((r) => r.heapMB)));
      }
    }
  }
}

for (const rate of [1_000, 5_000]) {
  const name = `sustained ${rate}/s for 10 s`;
  const n = rate * 10;
  const samples = await interleaved(name, SUSTAINED_ROUNDS, (client) => run(client, { n, rate, lag: true }));
  for (const client of CLIENTS) {
    const s = samples[client];
    record(`${name}: p50 lag ms`, client, median(s.map((r) => percentile(r.lags, 50))));
    record(`${name}: p99 lag ms`, client, median(s.map((r) => percentile(r.lags, 99))));
    record(`${name}: longest frame ms`, client, Math.max(0, ...s.flatMap((r) => r.longFrames)));
    record(`${name}: frames over 200 ms`, client, median(s.map((r) => r.longFrames.filter((d) => d > 200).length)));
  }
}

const paints = await interleaved("first paint", ROUNDS, firstPaint);
for (const client of CLIENTS) {
  record("first contentful paint ms", client, median(paints[client].map((r) => r.fcp)));
  record("open and first message shown ms", client, median(paints[client].map((r) => r.firstMessage)));
}

const sizes = { wschat: sizeOf(builtFiles(dist, false)), naive: sizeOf(baselineFiles("naive")), batched: sizeOf(baselineFiles("batched")) };
if (AGAINST) sizes.before = sizeOf(builtFiles(AGAINST, false));
for (const client of CLIENTS) {
  for (const kind of ["raw", "gzip", "brotli"]) if (sizes[client]) record(`wasm + JS, ${kind} bytes`, client, sizes[client][kind]);
}
const formats = builtFiles(dist, true);
if (formats.length) record("modules fetched when wanted (formats, views), brotli bytes", "wschat", sizeOf(formats).brotli);

await site.close();

results.rounds = ROUNDS;
results.heavyRounds = HEAVY_ROUNDS;
results.sustainedRounds = SUSTAINED_ROUNDS;
writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);

// The table: medians per client and the ratio of wschat to batched.
const fmt = (v) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : "n/a");
const rows = Object.entries(results.figures).map(([figure, byClient]) => {
  const ratio = byClient.wschat / byClient.batched;
  return `| ${figure} | ${fmt(byClient.wschat)} | ${fmt(byClient.naive)} | ${fmt(byClient.batched)} | ${fmt(ratio)} |`;
});
console.log(`rounds: ${ROUNDS} (100,000 bursts: ${HEAVY_ROUNDS}; sustained: ${SUSTAINED_ROUNDS}); machine: ${results.machine.cpus} × ${results.machine.model}`);
console.log("| figure | wschat | naive | batched | wschat / batched |");
console.log("|---|---|---|---|---|");
console.log(rows.join("\n"));
console.log(`\nJSON: ${OUT}`);
