// wschat's service worker: the app opens offline. Files named by their content hash (trunk's
// `name-<hex>.ext`) never change, so they are served from the cache first and kept as they
// are fetched; everything else (the page, loader.js, shell.js, wasm-bindgen's snippets, whose
// paths do not change with their content) comes from the network first, the cache when
// offline. The page always names the files of one build, so old JS never meets new wasm.
const CACHE = "wschat-1";
const HASHED = /-[0-9a-f]{8,}(_bg)?\.(js|wasm|css)$/;

// The wire formats' and the rarely used views' modules of a release build, fetched by the page
// only when first wanted: kept at install so that any format and view opens offline.
// scripts/format-modules.mjs writes the list; a build that is not split leaves it empty.
const LAZY = [];

/** A hashed file's name without its hash: what every build's copy of it shares. */
const unhashed = (pathname) => pathname.replace(HASHED, "$1.$2");

self.addEventListener("install", (event) => {
  self.skipWaiting();
  event.waitUntil(keepLazy());
});

/** Keeps the format modules: one at a time and at low priority, so that the page's own start
 * (its socket's handshake above all) never waits behind them. Best effort: a module missed
 * here is kept when the page first fetches it. */
async function keepLazy() {
  for (const name of LAZY) {
    await cacheFirst(new Request(new URL(name, self.registration.scope), { priority: "low" })).catch(() => {});
  }
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      // Format modules of earlier builds: the splitter numbers its shared chunks afresh each
      // build, so a name's copy is not always replaced by the next build's.
      if (LAZY.length) {
        const cache = await caches.open(CACHE);
        const current = new Set(LAZY.map((name) => new URL(name, self.registration.scope).pathname));
        for (const old of await cache.keys()) {
          const path = new URL(old.url).pathname;
          if (/\/(split|chunk)_[^/]*\.wasm$/.test(path) && !current.has(path)) await cache.delete(old);
        }
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Only the app's own files: never sockets, other origins, or anything but GET.
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // The page gets its answer first; the cache is written after, while the worker is kept
  // alive for it (awaiting the writes made every file of a first visit, and the page and its
  // scripts on every visit, wait on them).
  const after = (writing) => event.waitUntil(writing);
  event.respondWith(HASHED.test(url.pathname) ? cacheFirst(request, after) : networkFirst(request, after));
});

/** Runs the cache's writes: awaited unless `after` takes them to run after the answer. */
const awaited = (writing) => writing;

async function cacheFirst(request, after = awaited) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await after(keepHashed(cache, request, response.clone()));
  return response;
}

async function keepHashed(cache, request, response) {
  await cache.put(request, response);
  // The builds before, kept no longer: the page now names this one (a `trunk serve` session
  // would otherwise keep every rebuild's wasm).
  const path = new URL(request.url).pathname;
  for (const old of await cache.keys()) {
    const oldPath = new URL(old.url).pathname;
    if (oldPath !== path && HASHED.test(oldPath) && unhashed(oldPath) === unhashed(path)) await cache.delete(old);
  }
}

async function networkFirst(request, after = awaited) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await after(keepLatest(cache, request, response.clone()));
    return response;
  } catch (offline) {
    // A page asked for with its query (the UI contract's parameters) is the same page.
    const kept = (await cache.match(request)) ?? (await cache.match(request, { ignoreSearch: true }));
    if (kept) return kept;
    throw offline;
  }
}

async function keepLatest(cache, request, response) {
  await cache.put(request, response);
  // One copy of the page, whatever its query: a copy kept from a visit with another query
  // would name an earlier build's files, let go since (see cacheFirst).
  if (request.mode === "navigate") {
    for (const old of await cache.keys(request, { ignoreSearch: true })) if (old.url !== request.url) await cache.delete(old);
  }
}
