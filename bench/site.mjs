// Shared by the bench scripts: the site they serve (the release build in dist/ plus the
// JavaScript baselines, all with the same stylesheet), the reference server serving it (under its
// content security policy) and its flood mode (startServer turns the test modes on), headless
// Chromium, and the address of a client's page.
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { renameImports } from "../scripts/wasm-imports.mjs";
import { launchChromium, root, startServer } from "../tests/e2e/helpers.mjs";

// WSCHAT_DIST serves another build (the heap probe's: see bench/memory.mjs).
export const dist = process.env.WSCHAT_DIST || path.join(root, "dist");

/** The value after `--name` on the command line, else `fallback`. */
export function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 2 ? process.argv[at + 1] : fallback;
}

/**
 * Builds from before web/loader.js start with trunk's inline module script, which the server's
 * content security policy refuses: moves each inline module script of `page` into a file.
 */
function externalizeInlineScripts(dir, page, base) {
  let n = 0;
  const file = path.join(dir, page);
  const html = readFileSync(file, "utf8").replace(/<script type="module"([^>]*)>([\s\S]*?)<\/script>/g, (tag, attrs, body) => {
    if (/\bsrc=/.test(attrs) || !body.trim()) return tag;
    const name = `${path.basename(page, ".html")}-inline-${n++}.js`;
    writeFileSync(path.join(dir, name), body);
    return `<script type="module" src="${base}${name}"></script>`;
  });
  writeFileSync(file, html);
}

/**
 * Starts the server and the browser. With `namedWasm`, the wasm-bindgen output (before
 * wasm-opt, function names kept) is served in place of dist's wasm, so profiles name Rust
 * functions; its speed is close to the optimised module's.
 */
export async function openBench({ namedWasm = false, against = null } = {}) {
  const site = mkdtempSync(path.join(tmpdir(), "wschat-bench-"));
  // Another build (a dist directory kept from an earlier commit) served beside this one as the
  // client `before`, under /before/: wasm-bindgen's snippets are not named by content, so in one
  // folder the two builds' copies would collide. Its page's absolute paths are moved there.
  if (against) {
    const before = path.join(site, "before");
    cpSync(against, before, { recursive: true });
    const page = path.join(before, "index.html");
    // Quoted or not (a release page from 8d1605e on is minified, its attributes unquoted).
    writeFileSync(page, readFileSync(page, "utf8").replace(/(=["']?|["'])\/(?!\/)/g, "$1/before/"));
    externalizeInlineScripts(before, "index.html", "/before/");
  }
  for (const dir of [dist, path.join(root, "bench/baselines")]) cpSync(dir, site, { recursive: true });
  const css = readdirSync(dist).find((f) => f.endsWith(".css"));
  copyFileSync(path.join(dist, css), path.join(site, "main.css"));
  if (namedWasm) {
    const named = path.join(root, "target/wasm-bindgen/release");
    // The main module: the format modules beside it keep their own (nameless) builds.
    const wasm = readdirSync(dist).find((f) => f.endsWith("_bg.wasm"));
    const namedFile = readdirSync(named).find((f) => f.endsWith("_bg.wasm"));
    // The build named its imports short, in its wasm and glue (scripts/wasm-imports.mjs): so
    // must this module, to link to that glue.
    const namesFile = path.join(named, "import-names.json");
    if (!existsSync(namesFile)) throw new Error(`bench: no ${namesFile}: build the release (trunk build --release) first`);
    const given = JSON.parse(readFileSync(namesFile, "utf8"));
    // Of another build (a heap-probe build made since, say), the names would link the wrong
    // functions, or none.
    if (given.wasm !== createHash("sha256").update(readFileSync(path.join(dist, wasm))).digest("hex")) {
      throw new Error(`bench: ${namesFile} is not of the build in ${dist}: build the release (trunk build --release) again`);
    }
    const glueModule = `./${namedFile.replace(/_bg\.wasm$/, "_bg.js")}`;
    const renamed = renameImports(readFileSync(path.join(named, namedFile)), glueModule, new Map(given.names), { keepUnlisted: true }).wasm;
    writeFileSync(path.join(site, wasm), renamed);
  }
  const server = await startServer(["--static", site]);
  const browser = await launchChromium();
  return {
    server,
    browser,
    /** The page of `client` (wschat, before, naive or batched) connected to `wsPath` on the server. */
    pageUrl(client, wsPath, extra = {}) {
      const ws = `ws://${server.addr}${wsPath}`;
      const base = { wschat: "/", nostore: "/", before: "/before/index.html" }[client] ?? "/baseline.html";
      const kind = base === "/baseline.html" ? { kind: client } : {};
      const params = new URLSearchParams({ url: ws, nick: "bench", ...kind, ...extra });
      return `http://${server.addr}${base}?${params}`;
    },
    async close() {
      await browser.close();
      await server.kill();
    },
  };
}
