// Trunk's post_build hook: minifies the JavaScript of a release build (wasm-bindgen's glue and
// snippets, loader.js, shell.js, sw.js) with terser, and puts the new digests in the page's
// integrity attributes. Trunk's own minifier gives up on the glue (it does not read
// `import.meta`), and the glue's comments and long names are a fifth of the first load's JS.
// Debug builds (`trunk serve`) are left readable.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { minify } from "terser";

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== "release") process.exit(0);
if (!staging) throw new Error("TRUNK_STAGING_DIR is not set: run this as trunk's post_build hook");

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));

for (const file of walk(staging).filter((f) => f.endsWith(".js"))) {
  const source = readFileSync(file, "utf8");
  // Every file is an ES module but shell.js and sw.js, classic scripts whose top-level names
  // are globals of their own realm: mangling those is safe, but `module` would allow `import`.
  const module = !/(^|\/)(shell|sw)\.js$/.test(file);
  const { code } = await minify(source, { module, compress: true, mangle: true, format: { comments: false } });
  writeFileSync(file, code);
}

// The page names the glue and snippets with their digests (modulepreload, integrity): a file
// changed here must carry its new digest, or the browser refuses it.
const html = path.join(staging, "index.html");
const page = readFileSync(html, "utf8");
let fixed = 0;
const rewritten = page.replace(/<link\b[^>]*>/g, (tag) => {
  const href = /\shref=(?:"([^"]*)"|([^\s>]+))/.exec(tag);
  const integrity = /\sintegrity=(?:"([^"]*)"|([^\s>]+))/.exec(tag);
  if (!href || !integrity) return tag;
  const url = href[1] ?? href[2];
  const base = process.env.TRUNK_PUBLIC_URL || "/";
  const name = url.startsWith(base) ? url.slice(base.length) : url;
  const algorithm = (integrity[1] ?? integrity[2]).split("-")[0];
  if (!name.endsWith(".js")) return tag;
  const digest = createHash(algorithm).update(readFileSync(path.join(staging, name))).digest("base64");
  fixed++;
  return tag.replace(integrity[0], ` integrity=${algorithm}-${digest}`);
});
writeFileSync(html, rewritten);
console.log(`minify-js: minified the JavaScript, ${fixed} integrity digests renewed`);
