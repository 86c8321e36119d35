// The wire formats' wasm modules of a split release build, for scripts/minify-js.mjs.
// scripts/bin/wasm-bindgen leaves them with wasm-split-cli's link module (which fetches them) in
// <wasm-bindgen out-dir>/split. Each is optimised as the main module is and named after its
// bytes; the link module fetches those names, takes the main module's exports from a global the
// glue sets as it instantiates (importing the glue by name would tie the glue's name to its
// own), and is named after its bytes once minified; the service worker is told to keep them all.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const LINK = "__wasm_split.js";
/** The link module's name in the staging dir until it is minified and named after its bytes. */
const LINK_UNNAMED = "wschat-formats.js";
/** Where the glue leaves the main instance's exports for the link module. */
const EXPORTS = "wschatExports";

/** `<stem>-<16 hex digits of its SHA-256><ext>`: the service worker keeps such names for good. */
const byContent = (stem, bytes, ext) => `${stem}-${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}${ext}`;

/** wasm-opt's arguments for the main module, from the page's `rel="rust"` link. */
function wasmOptArgs(sourcePage) {
  const level = /data-wasm-opt="([^"]*)"/.exec(sourcePage)?.[1];
  if (!level) throw new Error("format-modules: index.html's rel=\"rust\" link has no data-wasm-opt");
  const params = /data-wasm-opt-params="([^"]*)"/.exec(sourcePage)?.[1] ?? "";
  return [`-O${level}`, ...params.split(/\s+/).filter(Boolean)];
}

/** Split points named `view_<name>` are views (src/ui/lazy.rs), the others wire formats. */
const isView = (name) => name.startsWith("view_");

/**
 * The modules each format's load fetches, read from the link module wasm-split-cli wrote: its
 * own (`split_<format>.wasm`) and the chunks whose comment names it (`auto` loads every format,
 * so it needs them all, and no view's).
 */
function modulesByFormat(link) {
  const needs = new Map();
  const add = (format, file) => needs.set(format, [...(needs.get(format) ?? []), file]);
  for (const [, file, format] of link.matchAll(/"\.\/(split_([a-z0-9_]+)\.wasm)"/g)) add(format, file);
  const chunks = [...link.matchAll(/\/\* ([a-z0-9_, ]+) \*\/\s*const __chunk_\d+ = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/(chunk_\d+\.wasm)"/g)];
  if (!needs.size || !chunks.length) throw new Error(`format-modules: ${LINK} is not laid out as this script reads it`);
  for (const [, formats, file] of chunks) for (const format of formats.split(", ")) add(format, file);
  for (const name of needs.keys()) if (isView(name)) needs.delete(name);
  if (needs.has("auto")) needs.set("auto", [...new Set([...needs.values()].flat())]);
  for (const [format, files] of [...needs]) {
    for (const alias of aliasesOf(format)) {
      if (needs.has(alias)) throw new Error(`format-modules: ${format}'s other name ${alias} is taken`);
      needs.set(alias, files);
    }
  }
  return needs;
}

/**
 * The other names the app takes for `format` (`socket.io`, `jabber`), from its spec in
 * core/src/protocol/<format>.rs, so that a link with one gets the preload too.
 */
function aliasesOf(format) {
  const spec = new URL(`../core/src/protocol/${format}.rs`, import.meta.url);
  if (!existsSync(spec)) throw new Error(`format-modules: no ${spec.pathname} for the split point ${format}`);
  const list = /\baliases: &\[([^\]]*)\]/.exec(readFileSync(spec, "utf8"))?.[1];
  if (list === undefined) throw new Error(`format-modules: ${spec.pathname} has no spec with \`aliases: &[…]\``);
  return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

/**
 * Puts the format modules of the build whose glue is `glueFile` (in `staging`, named by trunk
 * `<stem>-<hash>.js`) into `staging`; `splitDir` is where wasm-bindgen's wrapper left them.
 * Returns the link module's name and the format modules' (none for a build without split
 * points).
 */
export function placeFormatModules({ staging, glueFile, wasmStem, splitDir, sourcePage }) {
  let glue = readFileSync(glueFile, "utf8");
  // wasm-bindgen imports the link module once per function it gives (`import * as a from …`).
  const specifier = new RegExp(`(\\bfrom\\s*["'])\\./${LINK.replace(".", "\\.")}(["'])`, "g");
  if (!glue.match(specifier)) return { link: null, lazy: [] };
  const linkFile = path.join(splitDir, LINK);
  if (!existsSync(linkFile)) throw new Error(`format-modules: the glue imports ${LINK}, and ${splitDir} has none`);
  let link = readFileSync(linkFile, "utf8");

  const needs = modulesByFormat(link);
  const args = wasmOptArgs(sourcePage);
  const lazy = [];
  const renamed = new Map();
  for (const file of readdirSync(splitDir).filter((f) => f.endsWith(".wasm") && f !== `${wasmStem}.wasm`)) {
    const quoted = `"./${file}"`;
    if (!link.includes(quoted)) continue; // not fetched by this build's link module
    const optimised = path.join(splitDir, `${file}.opt`);
    // binaryen warns of each module's name subsection 3, which wasm-split-cli writes and it
    // does not read (it drops the section either way).
    const run = spawnSync("wasm-opt", [...args, path.join(splitDir, file), "-o", optimised], { encoding: "utf8" });
    const said = run.stderr.split("\n").filter((line) => line && !/^warning: unknown name subsection with id 3 at \d+$/.test(line));
    if (said.length) console.error(said.join("\n"));
    if (run.status !== 0) throw new Error(`format-modules: wasm-opt failed on ${file}`);
    const bytes = readFileSync(optimised);
    rmSync(optimised);
    const name = byContent(path.basename(file, ".wasm"), bytes, ".wasm");
    writeFileSync(path.join(staging, name), bytes);
    link = link.replaceAll(quoted, `"./${name}"`);
    renamed.set(file, name);
    lazy.push(name);
  }
  if (!lazy.length) throw new Error(`format-modules: ${LINK} fetches none of the modules in ${splitDir}`);

  const mainImport = /import\s*\{\s*initSync\s*\}\s*from\s*["'][^"']*["'];?/;
  if (!mainImport.test(link)) throw new Error(`format-modules: ${LINK} does not import initSync as expected`);
  link = link.replace(mainImport, `const initSync = () => globalThis.${EXPORTS};`);
  // Named after its bytes once minified (see `nameLinkModule`).
  const linkName = LINK_UNNAMED;
  writeFileSync(path.join(staging, linkName), link);
  // The glue hands the instance's exports over as it takes them, before the app starts: the app
  // may want a format while it starts.
  const taken = /\bwasm = instance\.exports;/g;
  const times = glue.match(taken)?.length ?? 0;
  if (times !== 1) throw new Error(`format-modules: the glue takes the instance's exports ${times} times, not once`);
  glue = glue.replace(taken, `$& globalThis.${EXPORTS} = wasm;`);
  writeFileSync(glueFile, glue.replaceAll(specifier, `$1./${linkName}$2`));

  const worker = path.join(staging, "sw.js");
  const list = "const LAZY = [];";
  const source = readFileSync(worker, "utf8");
  if (!source.includes(list)) throw new Error(`format-modules: sw.js has no "${list}" to fill`);
  writeFileSync(worker, source.replace(list, `const LAZY = ${JSON.stringify(lazy)};`));
  // For loader.js: each format's modules (by their place in `lazy`), to fetch beside the app
  // for the format a link names.
  const byFormat = [...needs].map(([format, files]) => `${format}:${files.map((f) => lazy.indexOf(renamed.get(f))).join(",")}`).join(";");
  return { link: linkName, lazy, byFormat };
}

/**
 * Names the link module after its bytes as served (after terser: a name kept by the service
 * worker for good must never be served with other bytes), in `staging` and in the glue
 * `glueFile` that imports it. Returns the name.
 */
export function nameLinkModule(staging, glueFile) {
  const unnamed = path.join(staging, LINK_UNNAMED);
  const bytes = readFileSync(unnamed);
  const name = byContent("wschat-formats", bytes, ".js");
  writeFileSync(path.join(staging, name), bytes);
  rmSync(unnamed);
  const glue = readFileSync(glueFile, "utf8");
  const specifier = `./${LINK_UNNAMED}`;
  if (!glue.includes(specifier)) throw new Error(`format-modules: the glue no longer imports ${specifier}`);
  writeFileSync(glueFile, glue.replaceAll(specifier, `./${name}`));
  return name;
}
