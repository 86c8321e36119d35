// Stored history at scale: fills the page's IndexedDB with 100,000 lines through the app's own
// store module (store.js's queueLines and writeQueued, as the app writes them; batches of 1,000), then measures, per round,
// the search from Enter to the first `search-result` drawn, and a reload from navigation to the
// stored tail shown (the newest stored line in the message list).
// Usage: node bench/history.mjs [--lines 100000] [--rounds 5] [--per-write 1000]
import { openBench, option } from "./site.mjs";

const LINES = Number(option("lines", 100_000));
// Lines per write: a flood's frame files many lines in one page, a quiet chat one or two.
const PER_WRITE = Number(option("per-write", 1000));
const ROUNDS = Number(option("rounds", 5));

const bench = await openBench();
const context = await bench.browser.newContext({ viewport: { width: 1100, height: 700 } });
const page = await context.newPage();
const room = `history-bench-${process.pid}`;
await page.goto(bench.pageUrl("wschat", `/ws?room=${room}`));
await page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout: 30_000 });

// The server's id as the app keys it, from a line the app stored itself.
await page.getByTestId("composer-input").fill("seed line");
await page.getByTestId("composer-input").press("Enter");
await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor();

const filled = await page.evaluate(async ([lines, perWrite]) => {
  const module = [...document.scripts].map((s) => s.src).find((src) => src.includes("wschat-app"));
  const base = new URL(".", module ?? location.href);
  const snippets = performance.getEntriesByType("resource").map((e) => e.name).find((n) => n.includes("/src/store/store.js"));
  const { openHistory, queueLines } = await import(snippets ?? new URL("snippets/store.js", base).href);
  const history = await openHistory();
  // The server the app stored the seed line under.
  const servers = await new Promise((resolve, reject) => {
    const req = history.db.transaction("conversations").objectStore("conversations").getAllKeys();
    req.onsuccess = () => resolve(req.result.map((k) => k[0]));
    req.onerror = () => reject(req.error);
  });
  const server = servers[0];
  const words = ["otter", "river", "stone", "maple", "cloud", "ember", "harbor", "lantern"];
  const start = performance.now();
  const time0 = Date.now() - lines * 10;
  for (let at = 0; at < lines; at += perWrite) {
    const batch = [];
    for (let i = at; i < Math.min(lines, at + perWrite); i++) {
      const text = `line ${i} about the ${words[i % 8]} and the ${words[(i * 7) % 8]} number${i}`;
      const t = time0 + i * 10;
      const record = JSON.stringify({ v: 1, c: "", t, k: "chat", n: `user${i % 50}`, x: text });
      const indexed = [`user${i % 50}`, ...text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1)].join(" ");
      batch.push(["", t, record, indexed]);
    }
    // As the app hands lines over: one JSON text per batch, then one transaction.
    queueLines(server, JSON.stringify(batch));
    await history.writeQueued();
  }
  return { server, ms: performance.now() - start };
}, [LINES, PER_WRITE]);
console.error(`filled ${LINES} lines in ${filled.ms.toFixed(0)} ms (server ${filled.server.slice(0, 8)}…)`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const search = [];
const load = [];
const terms = ["number4242", "otter", "maple and", `number${LINES - 1}`];
for (let round = 0; round < ROUNDS; round++) {
  const navigated = Date.now();
  await page.reload();
  await page
    .locator('[data-testid="message-text"]', { hasText: `number${LINES - 1}` })
    .first()
    .waitFor({ timeout: 30_000 });
  load.push(Date.now() - navigated);
  await page.getByTestId("search-button").click();
  const term = terms[round % terms.length];
  const ms = await page.evaluate(async (term) => {
    const input = document.querySelector('[data-testid="search-input"]');
    input.value = term;
    const start = performance.now();
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    const answered = () =>
      document.querySelector('[data-testid="search-result"]') || /^Nothing/.test(document.querySelector(".search-status")?.textContent ?? "");
    while (!answered()) await new Promise((r) => requestAnimationFrame(r));
    return performance.now() - start;
  }, term);
  search.push(ms);
  console.error(`  round ${round + 1}: reload to stored tail shown ${load.at(-1)} ms; search "${term}" ${ms.toFixed(0)} ms`);
}
console.log(`\n${LINES} stored lines, ${PER_WRITE} a write, medians of ${ROUNDS}:`);
console.log(`| search, Enter to the first hit drawn | ${median(search).toFixed(0)} ms |`);
console.log(`| reload, navigation to the stored tail shown | ${median(load).toFixed(0)} ms |`);
await bench.close();
