// Short names for the wasm module's imports from wasm-bindgen's glue, for scripts/minify-js.mjs.
// wasm-bindgen names each import after its binding and a 16-digit hash
// (`__wbg_getElementById_7ee213db584f37b0`), once in the wasm and once in the glue: the
// hashes do not compress, and the names were about 6 KB of the first load, brotli.

const IMPORT_SECTION = 2;

/** The unsigned LEB128 number at `at` of `bytes`, and the offset after it. */
function readUnsigned(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    if (at >= bytes.length) throw new Error("wasm-imports: the module ends inside a number");
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function unsigned(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

/** The offset after an import's descriptor of `kind` starting at `at`. */
function skipDescriptor(bytes, kind, at) {
  const limits = (p) => {
    const flags = bytes[p++];
    [, p] = readUnsigned(bytes, p);
    if (flags & 1) [, p] = readUnsigned(bytes, p);
    return p;
  };
  switch (kind) {
    case 0: // function: its type's index
      return readUnsigned(bytes, at)[1];
    case 1: // table: element type, limits
      return limits(at + 1);
    case 2: // memory: limits
      return limits(at);
    case 3: // global: value type, mutability
      return at + 2;
    case 4: // tag: attribute, type index
      return readUnsigned(bytes, at + 1)[1];
    default:
      throw new Error(`wasm-imports: an import of unknown kind ${kind}`);
  }
}

/** `a`, `b`, … `Z`, `ab`, `bb`, …: the `index`th short name, a JavaScript identifier. */
function shortName(index) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let name = "";
  do {
    name += letters[index % letters.length];
    index = Math.floor(index / letters.length);
  } while (index);
  return name;
}

/**
 * Renames the imports that `wasm` takes from `glueModule` (wasm-bindgen's `<name>_bg.js`) to
 * short names, in the wasm and in the glue's source `glue`. Throws unless each import's name
 * is in the glue exactly once (the key of its function in the imports object), so that a
 * change in wasm-bindgen's output stops the build instead of shipping a page that cannot link.
 */
export function shortenImports(wasm, glue, glueModule) {
  const { wasm: renamedWasm, names } = renameImports(wasm, glueModule, new Map());
  if (!names.size) throw new Error(`wasm-imports: the wasm imports nothing from ${glueModule}: has wasm-bindgen named its glue otherwise?`);
  const seen = new Map();
  const renamed = glue.replace(/[A-Za-z_$][\w$]*/g, (word) => {
    const short = names.get(word);
    if (short === undefined) return word;
    seen.set(word, (seen.get(word) ?? 0) + 1);
    return short;
  });
  for (const name of names.keys()) {
    if (seen.get(name) !== 1) throw new Error(`wasm-imports: the glue names the import ${name} ${seen.get(name) ?? 0} times, not once`);
  }
  return { wasm: renamedWasm, glue: renamed, names };
}

/**
 * Renames the imports that `wasm` takes from `glueModule` by `names` (long name to short). One
 * it does not list gets the next short name, added to `names`; with `keepUnlisted`, it keeps
 * its name. With the names a build used and `keepUnlisted`, the same module before wasm-opt
 * (which keeps the function names a profile wants, and imports wasm-opt dropped, which the
 * glue still has by their long names) links to that build's glue: bench/site.mjs's `namedWasm`.
 */
export function renameImports(wasm, glueModule, names, { keepUnlisted = false } = {}) {
  const sections = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, content] = readUnsigned(wasm, at + 1);
    const end = content + size;
    if (id !== IMPORT_SECTION) {
      sections.push(wasm.subarray(at, end));
      at = end;
      continue;
    }
    let [count, p] = readUnsigned(wasm, content);
    const entries = [unsigned(count)];
    for (let i = 0; i < count; i++) {
      let length;
      [length, p] = readUnsigned(wasm, p);
      const module = wasm.subarray(p, p + length);
      p += length;
      [length, p] = readUnsigned(wasm, p);
      let name = wasm.subarray(p, p + length).toString();
      p += length;
      const descriptor = p;
      p = skipDescriptor(wasm, wasm[p], p + 1);
      if (module.toString() === glueModule) {
        if (!names.has(name) && !keepUnlisted) names.set(name, shortName(names.size));
        name = names.get(name) ?? name;
      }
      const nameBytes = Buffer.from(name);
      entries.push(unsigned(module.length), module, unsigned(nameBytes.length), nameBytes, wasm.subarray(descriptor, p));
    }
    if (p !== end) throw new Error("wasm-imports: the import section is not as long as it says");
    const section = Buffer.concat(entries);
    sections.push(Buffer.from([IMPORT_SECTION]), unsigned(section.length), section);
    at = end;
  }
  return { wasm: Buffer.concat(sections), names };
}
