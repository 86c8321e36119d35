// wschat's wasm memory through a flood: its size when the app has loaded, every half second
// while the flood runs, and at the end, with the deepest point the wasm stack reached. wasm
// memory never shrinks, so its size is the peak of what the module held at once.
// A build with the heap probe (`trunk build --release --features heap-probe --dist
// target/dist-probe`, served with WSCHAT_DIST=target/dist-probe) also gives the bytes allocated
// now and at the peak, and what ran at the peak: the rest of the memory is the allocator's
// overhead and the holes it could not fill.
// Usage: node bench/memory.mjs [N] [PER_FRAME]   (serves dist/: build the release first)
import { keepWasmMemory, wasmMemory } from "../tests/e2e/helpers.mjs";
import { openBench } from "./site.mjs";

const n = Number(process.argv[2] || 100000);
const perFrame = Number(process.argv[3] || 1);
const site = await openBench();
const page = await (await site.browser.newContext({ viewport: { width: 1100, height: 700 } })).newPage();
await page.addInitScript(keepWasmMemory);
const probe = async () => ({
  ...(await wasmMemory(page)),
  received: await page.evaluate(() => Number(document.querySelector('[data-testid="message-list"]')?.getAttribute("data-total-received") ?? 0)),
  heap: await page.evaluate(() => {
    const probe = window.__wasmExports;
    return probe.heap_live ? [probe.heap_live(), probe.heap_peak(), probe.heap_peak_phase()] : null;
  }),
});
// src/heap_probe.rs's Phase, by number.
const phases = ["none", "drain", "flush", "archive", "rows", "window"];
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(3)} MiB`;
const show = (label, p) =>
  console.log(`${label.padEnd(8)} wasm memory ${mib(p.bytes)}  received ${p.received}  deepest stack address ${p.deepestStackAddress}` +
    (p.heap ? `  heap ${mib(p.heap[0])}, peak ${mib(p.heap[1])} in ${phases[p.heap[2]] ?? p.heap[2]}` : ""));

await page.goto(site.pageUrl("wschat", `/flood?${new URLSearchParams({ n, per_frame: perFrame, delay_ms: 1500 })}`, process.env.HISTORY ? { history: process.env.HISTORY } : {}));
await page.waitForFunction(() => window.__wasmMemory && document.querySelector('[data-testid="message-list"]'));
show("loaded", await probe());
const start = Date.now();
for (;;) {
  const p = await probe();
  if (p.received >= n) break;
  show(`${((Date.now() - start) / 1000).toFixed(1)} s`, p);
  await new Promise((resolve) => setTimeout(resolve, 500));
}
show("after", await probe());
await site.close();
