// Stored history at scale: fills the page's IndexedDB with 100,000 lines through the app's own
// store module (store.js's queueLines and writeQueued, as the app writes them; batches of 1,000), then measures, per round,
// the search from Enter to the first `search-result` drawn, and a reload from navigation to the
// stored tail shown (the newest stored line in the message list).
// Usage: node bench/history.mjs [--lines 100000] [--rounds 5] [--per-write 1000]
import { openBench, option } from "./site.mjs";
import { fillStore, openSeeded } from "./stored.mjs";

const LINES = Number(option("lines", 100_000));
// Lines per write: a flood's frame files many lines in one page, a quiet chat one or two.
const PER_WRITE = Number(option("per-write", 1000));
const ROUNDS = Number(option("rounds", 5));

const bench = await openBench();
const context = await bench.browser.newContext({ viewport: { width: 1100, height: 700 } });
const page = await context.newPage();
await openSeeded(bench, page, `history-bench-${process.pid}`);
const filled = await fillStore(page, LINES, PER_WRITE);
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
