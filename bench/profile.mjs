// A CPU profile of one burst, for finding where the time goes: prints the functions with the
// most self time. Usage: node bench/profile.mjs [N] [PER_FRAME] [wschat|naive|batched]
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchChromium, root, startServer } from "../tests/e2e/helpers.mjs";

const n = Number(process.argv[2] || 10000);
const perFrame = Number(process.argv[3] || 1);
const client = process.argv[4] || "wschat";
const dist = path.join(root, "dist");
const site = mkdtempSync(path.join(tmpdir(), "wschat-profile-"));
for (const file of readdirSync(dist)) copyFileSync(path.join(dist, file), path.join(site, file));
for (const file of readdirSync(path.join(root, "bench/baselines"))) {
  copyFileSync(path.join(root, "bench/baselines", file), path.join(site, file));
}
const server = await startServer(["--static", site]);
const browser = await launchChromium();
const page = await browser.newPage();
const cdp = await page.context().newCDPSession(page);
const ws = `ws://${server.addr}/flood?n=${n}&per_frame=${perFrame}&delay_ms=600`;
const base = client === "wschat" ? "/" : "/baseline.html";
const params = new URLSearchParams({ nick: "p", url: ws, ...(client === "wschat" ? {} : { kind: client }) });
await page.goto(`http://${server.addr}${base}?${params}`);
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
await cdp.send("Profiler.start");
await page.waitForFunction((n) => Number(document.querySelector('[data-testid="message-list"]')?.getAttribute("data-total-received")) >= n, n, { timeout: 120_000 });
const { profile } = await cdp.send("Profiler.stop");
const self = new Map();
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const dt = profile.timeDeltas;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const name = `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.split("/").pop()}`;
  self.set(name, (self.get(name) || 0) + (dt[i] || 0) / 1000);
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
for (const [name, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`);
}
await browser.close();
await server.kill();
