// What a client's JS heap holds, by kind, after a flood of N messages: the heap used as
// Chromium reports it (Performance.getMetrics, after a collection), and a heap snapshot's self
// sizes summed by node type and by name, with its largest nodes. The snapshot counts more than
// the heap used (the compiled wasm module, ArrayBuffer backing stores, Blink's objects): it says
// where to look, the heap used is the figure.
// Usage: node bench/jsheap.mjs [wschat|batched|naive] [N] [WAIT_MS]   (serves dist/)
import { openBench } from "./site.mjs";

const client = process.argv[2] || "wschat";
const n = Number(process.argv[3] || 1);
const settleMs = Number(process.argv[4] || 2000);
const site = await openBench();
const context = await site.browser.newContext({ viewport: { width: 1100, height: 700 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await page.goto(site.pageUrl(client, `/flood?n=${n}&delay_ms=400`));
// A fixed wait, not an event: the flood and wschat's writes to its store behind it are over
// by then (raise it for large N; bench/run.mjs waits for the store itself).
await page.waitForTimeout(settleMs);
await cdp.send("Performance.enable");
await cdp.send("HeapProfiler.enable");
await cdp.send("HeapProfiler.collectGarbage");
const used = (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "JSHeapUsedSize").value;

const chunks = [];
cdp.on("HeapProfiler.addHeapSnapshotChunk", (e) => chunks.push(e.chunk));
await cdp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
await site.close();
const snapshot = JSON.parse(chunks.join(""));
const fields = snapshot.snapshot.meta.node_fields;
const types = snapshot.snapshot.meta.node_types[0];
const { nodes, strings } = snapshot;
const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
const byType = new Map();
const byName = new Map();
const largest = [];
const add = (map, key, size) => map.set(key, (map.get(key) ?? 0) + size);
for (let i = 0; i < nodes.length; i += fields.length) {
  const type = types[nodes[i + typeAt]];
  const size = nodes[i + sizeAt];
  // Strings are named by their text: summed as one.
  const name = type.includes("string") ? "" : strings[nodes[i + nameAt]].slice(0, 70);
  add(byType, type, size);
  add(byName, `${type}: ${name}`, size);
  largest.push([size, `${type}: ${name}`]);
}
const kib = (bytes) => `${(bytes / 1024).toFixed(0).padStart(6)} KiB`;
const top = (entries, count) => [...entries].sort((a, b) => b[1] - a[1]).slice(0, count);
console.log(`${client} after ${n} messages: JS heap used ${(used / 2 ** 20).toFixed(2)} MiB`);
console.log("\nsnapshot by type:");
for (const [type, size] of top(byType, 12)) console.log(`${kib(size)}  ${type}`);
console.log("\nsnapshot by name:");
for (const [name, size] of top(byName, 25)) console.log(`${kib(size)}  ${name}`);
console.log("\nlargest nodes:");
for (const [size, name] of largest.sort((a, b) => b[0] - a[0]).slice(0, 12)) console.log(`${kib(size)}  ${name}`);
