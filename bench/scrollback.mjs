// Scrolling back through stored history: LINES lines in the store, a reload shows the stored
// tail (200 lines), then the message list is flung upward STEP px a frame until the first line
// is drawn, the app reading 200 stored lines at a time as it nears the top. Printed: the time
// to reach the first line and the frame gaps meanwhile (median, p99, longest); and, as the
// baseline in the same run, the same fling back down through the lines now held (the windowed
// list alone, nothing read).
// Usage: node bench/scrollback.mjs [--lines 100000] [--step 3000]
import { openBench, option } from "./site.mjs";
import { fillStore, openSeeded } from "./stored.mjs";

const LINES = Number(option("lines", 100_000));
const STEP = Number(option("step", 3000));
const LIMIT_MS = Number(option("limit-ms", 300_000));

const bench = await openBench();
const context = await bench.browser.newContext({ viewport: { width: 1100, height: 700 } });
const page = await context.newPage();
page.on("pageerror", (e) => console.error("pageerror:", e.message));
await openSeeded(bench, page, `scrollback-bench-${process.pid}`);
const filled = await fillStore(page, LINES, 1000);
console.error(`filled ${LINES} lines in ${filled.ms.toFixed(0)} ms`);
await page.reload();
await page.locator('[data-testid="message-text"]', { hasText: `number${LINES - 1}` }).first().waitFor({ timeout: 30_000 });

/** Flings the list `up` or down STEP px a frame until its end (up: the first line drawn). */
const fling = (up) =>
  page.evaluate(
    async ([up, step, limitMs]) => {
      const list = document.querySelector('[data-testid="message-list"]');
      const first = () => [...list.querySelectorAll('[data-testid="message-text"]')].some((t) => t.textContent.startsWith("line 0 about"));
      const gaps = [];
      const start = performance.now();
      let last = start;
      for (;;) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        gaps.push(now - last);
        last = now;
        if (now - start > limitMs) break;
        if (up ? list.scrollTop === 0 && first() : list.scrollTop + list.clientHeight >= list.scrollHeight - 1) break;
        list.scrollTop += up ? -step : step;
      }
      return { gaps, ms: performance.now() - start, reached: up ? first() : true };
    },
    [up, STEP, LIMIT_MS],
  );

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const row = (what, run) =>
  `| ${what} | ${(run.ms / 1000).toFixed(1)} s${run.reached ? "" : " (not reached)"} | ${run.gaps.length} | ${quantile(run.gaps, 0.5).toFixed(1)} | ${quantile(run.gaps, 0.99).toFixed(1)} | ${Math.max(...run.gaps).toFixed(1)} |`;
const back = await fling(true);



const down = await fling(false);
const memory = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
console.log(`\n${LINES} stored lines, flung ${STEP} px a frame (heap after: ${(memory / 1e6).toFixed(1)} MB JS):`);
console.log("| run | time | frames | gap median, ms | gap p99, ms | longest gap, ms |");
console.log("|---|---|---|---|---|---|");
console.log(row("back to the first line, reading the store", back));
console.log(row("down again through the lines held (baseline)", down));
await bench.close();
