// Shared by the bench scripts: the site they serve (the release build in dist/ plus the
// JavaScript baselines, all with the same stylesheet), the reference server serving it and its
// flood mode, headless Chromium, and the address of a client's page.
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchChromium, root, startServer } from "../tests/e2e/helpers.mjs";

export const dist = path.join(root, "dist");

/**
 * Starts the server and the browser. With `namedWasm`, the wasm-bindgen output (before
 * wasm-opt, function names kept) is served in place of dist's wasm, so profiles name Rust
 * functions; its speed is close to the optimised module's.
 */
export async function openBench({ namedWasm = false } = {}) {
  const site = mkdtempSync(path.join(tmpdir(), "wschat-bench-"));
  for (const dir of [dist, path.join(root, "bench/baselines")]) {
    for (const file of readdirSync(dir)) copyFileSync(path.join(dir, file), path.join(site, file));
  }
  const css = readdirSync(dist).find((f) => f.endsWith(".css"));
  copyFileSync(path.join(dist, css), path.join(site, "main.css"));
  if (namedWasm) {
    const named = path.join(root, "target/wasm-bindgen/release");
    const wasm = readdirSync(dist).find((f) => f.endsWith(".wasm"));
    copyFileSync(path.join(named, readdirSync(named).find((f) => f.endsWith(".wasm"))), path.join(site, wasm));
  }
  const server = await startServer(["--static", site]);
  const browser = await launchChromium();
  return {
    server,
    browser,
    /** The page of `client` (wschat, naive or batched) connected to `wsPath` on the server. */
    pageUrl(client, wsPath, extra = {}) {
      const ws = `ws://${server.addr}${wsPath}`;
      const base = client === "wschat" ? "/" : "/baseline.html";
      const kind = client === "wschat" ? {} : { kind: client };
      const params = new URLSearchParams({ url: ws, nick: "bench", ...kind, ...extra });
      return `http://${server.addr}${base}?${params}`;
    },
    async close() {
      await browser.close();
      await server.kill();
    },
  };
}
