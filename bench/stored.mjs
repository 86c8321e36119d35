// Fills a page's stored history for the benches: `lines` lines in the app's own store module
// (store.js's queueLines and writeQueued, as the app writes them), `perWrite` a transaction,
// under the server of a line the page stored itself, each 10 ms after the one before and
// ending now: "line N about the WORD and the WORD numberN" by user0 to user49.

/** Opens the app in `page` on the bench's server, in `room`, and stores one own line there:
 * the server's id, as the app keys it, comes from it. */
export async function openSeeded(bench, page, room) {
  await page.goto(bench.pageUrl("wschat", `/ws?room=${room}`));
  await page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout: 30_000 });
  await page.getByTestId("composer-input").fill("seed line");
  await page.getByTestId("composer-input").press("Enter");
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor();
}

/** Fills the store of `page` (showing the app, one own line delivered); { server, ms }. */
export async function fillStore(page, lines, perWrite) {
  return page.evaluate(async ([lines, perWrite]) => {
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
  }, [lines, perWrite]);
}
