// Trunk's post_build hook: gives the wasm's imports from the glue short names
// (scripts/wasm-imports.mjs), puts the wire formats' modules of a split build in place
// (scripts/format-modules.mjs), minifies the JavaScript of a release build (wasm-bindgen's glue
// and snippets, loader.js, shell.js, sw.js) with terser, names the glue and the wasm after the
// bytes served, and puts the new digests in the page's integrity attributes. Trunk's own
// minifier gives up on the glue (it does not read `import.meta`), and the glue's comments and
// long names were a fifth of the first load's JS. Debug builds (`trunk serve`) are left as
// they are, and need neither node's terser nor this.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { nameLinkModule, placeFormatModules } from "./format-modules.mjs";
import { shortenImports } from "./wasm-imports.mjs";

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== "release") process.exit(0);
if (!staging) throw new Error("TRUNK_STAGING_DIR is not set: run this as trunk's post_build hook");
const { minify } = await import("terser");

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));

// Trunk names them `<stem>-<hash>.js` and `<stem>-<hash>_bg.wasm` (the hash in hex, without
// leading zeros: 15 digits as often as one build in 16); the wasm imports from `./<stem>_bg.js`,
// wasm-bindgen's name for the glue.
const built = (name) => {
  const match = /^(.+)-([0-9a-f]{1,16})\.js$/.exec(name);
  const wasm = match && path.join(staging, `${match[1]}-${match[2]}_bg.wasm`);
  return match && existsSync(wasm) ? { glue: path.join(staging, name), wasm, stem: match[1], hash: match[2] } : null;
};

// The modules that fetch the format modules: the glue imports them, so the page preloads them
// with it rather than after it.
const linkModules = [];
const builds = readdirSync(staging).map(built).filter(Boolean);
if (!builds.length) throw new Error(`minify-js: no wasm-bindgen glue and wasm named <stem>-<hash> in ${staging}`);
for (const { glue, wasm, stem } of builds) {
  const short = shortenImports(readFileSync(wasm), readFileSync(glue, "utf8"), `./${stem}_bg.js`);
  writeFileSync(wasm, short.wasm);
  writeFileSync(glue, short.glue);
  console.log(`minify-js: ${short.names.size} imports of ${path.basename(wasm)} named short`);
  const bindgenDir = path.join(process.env.CARGO_TARGET_DIR || "target", "wasm-bindgen", "release");
  // For bench/site.mjs, which serves wasm-bindgen's output with its function names in place of
  // the optimised module: it must link to this glue.
  if (existsSync(bindgenDir)) {
    const built = createHash("sha256").update(short.wasm).digest("hex");
    writeFileSync(path.join(bindgenDir, "import-names.json"), JSON.stringify({ wasm: built, names: [...short.names] }));
  }
  const splitDir = path.join(bindgenDir, "split");
  const sourcePage = readFileSync("index.html", "utf8");
  const formats = placeFormatModules({ staging, glueFile: glue, wasmStem: stem, splitDir, sourcePage });
  if (formats.link) {
    linkModules.push({ ...formats, glue });
    console.log(`minify-js: ${formats.lazy.length} format modules, fetched when first wanted`);
  }
}

for (const file of walk(staging).filter((f) => f.endsWith(".js"))) {
  const source = readFileSync(file, "utf8");
  // Every file is an ES module but shell.js and sw.js, classic scripts (loader.js registers
  // the service worker as one): `module` would let terser write `import` in them.
  const module = !/(^|\/)(shell|sw)\.js$/.test(file);
  const { code } = await minify(source, { module, compress: true, mangle: true, format: { comments: false } });
  writeFileSync(file, code);
}

for (const formats of linkModules) formats.link = nameLinkModule(staging, formats.glue);

const html = path.join(staging, "index.html");
let page = readFileSync(html, "utf8");

// Trunk names the glue and the wasm after cargo's output, before wasm-opt and this hook, and
// the service worker serves files so named from its cache for good: a change of minifier or
// optimizer would serve old bytes under a name the page expects new ones from (and whose
// digest they fail). Both take a name from the bytes served instead.
for (const { glue: file, wasm, stem, hash } of readdirSync(staging).map(built).filter(Boolean)) {
  const glue = readFileSync(file, "utf8");
  const served = createHash("sha256").update(glue).update(readFileSync(wasm)).digest("hex").slice(0, 16);
  const [from, to] = [`${stem}-${hash}`, `${stem}-${served}`];
  if (from === to) continue;
  writeFileSync(path.join(staging, `${to}.js`), glue.replaceAll(from, to));
  rmSync(file);
  renameSync(wasm, path.join(staging, `${to}_bg.wasm`));
  page = page.replaceAll(from, to);
}

const base = process.env.TRUNK_PUBLIC_URL || "/";
for (const { link, lazy, byFormat } of linkModules) {
  // Its digest is written below, with the others'.
  page = page.replace("</head>", `<link crossorigin href=${base}${link} integrity=sha384- rel=modulepreload></head>`);
  // loader.js fetches the modules of the format the link names while the app loads.
  const loader = /<script\b[^>]*\bdata-wasm=[^>]*?(?=>)/;
  if (!loader.test(page)) throw new Error("minify-js: the page has no script with data-wasm");
  page = page.replace(loader, `$& data-modules="${lazy.join(",")}" data-formats="${byFormat}"`);
}

// The page names the glue, the snippets, the wasm and the stylesheet with their digests
// (modulepreload, preload, integrity): a file changed here must carry its new digest, or the
// browser refuses it. Each is renewed, changed or not.
let expected = 0;
let renewed = 0;
page = page.replace(/<link\b[^>]*>/g, (tag) => {
  const href = /\shref=(?:"([^"]*)"|'([^']*)'|([^\s>]+))/.exec(tag);
  const integrity = /\sintegrity=(?:"([^"]*)"|'([^']*)'|([^\s>]+))/.exec(tag);
  if (!href || !integrity) return tag;
  const url = href[1] ?? href[2] ?? href[3];
  expected++;
  const name = (url.startsWith(base) ? url.slice(base.length) : url).split("?")[0];
  const file = path.join(staging, name);
  if (!existsSync(file)) return tag;
  const algorithm = (integrity[1] ?? integrity[2] ?? integrity[3]).split("-")[0];
  const digest = createHash(algorithm).update(readFileSync(file)).digest("base64");
  renewed++;
  return tag.replace(integrity[0], ` integrity=${algorithm}-${digest}`);
});
if (renewed !== expected) throw new Error(`minify-js: ${expected - renewed} of the page's ${expected} digests name no file here`);
writeFileSync(html, page);
console.log(`minify-js: minified the JavaScript, ${renewed} integrity digests renewed`);
