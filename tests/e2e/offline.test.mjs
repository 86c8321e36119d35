// Installable and usable offline: the page links its manifest and registers a service worker
// under the reference server's strict content security policy; loaded once, the app opens with
// no network, shows its stored history, takes typing into the outbox, and delivers each
// message once when the network returns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { send, sharedBrowserAndApp, timeout } from "./helpers.mjs";

const shared = sharedBrowserAndApp();

const line = (page, kind, text) =>
  page.locator(`[data-testid="message"][data-kind="${kind}"]`, { has: page.locator('[data-testid="message-text"]', { hasText: new RegExp(`^${text}$`) }) });

test("offline: a manifest, a service worker under the CSP, and a cold offline start with history and outbox", async (t) => {
  const room = `offline-${Date.now()}`;
  const context = await shared.browser.newContext();
  const other = await shared.browser.newContext();
  t.after(() => Promise.all([context.close(), other.close()]));
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const url = (nick) => `http://${shared.app.addr}/?nick=${nick}&url=${encodeURIComponent(`/ws?room=${room}`)}`;
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(url("alice"));
  const bob = await other.newPage();
  await bob.goto(url("bob"));
  for (const p of [page, bob]) await p.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });

  const manifest = await page.locator('link[rel="manifest"]').getAttribute("href");
  const parsed = await (await page.request.get(new URL(manifest, page.url()).href)).json();
  assert.equal(parsed.display, "standalone");
  assert.deepEqual(parsed.icons.map((i) => i.sizes).sort(), ["192x192", "512x512", "512x512"]);
  assert.ok(parsed.icons.some((i) => i.purpose === "maskable"));

  await send(bob, "said before going offline");
  await line(page, "chat", "said before going offline").waitFor({ timeout });
  // Once the worker runs, a load through it keeps the files.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  await page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), "the worker controls the page");

  await context.setOffline(true);
  await page.reload();
  await line(page, "chat", "said before going offline").waitFor({ timeout });
  await send(page, "typed offline");
  await page.locator('[data-testid="message"][data-kind="own"][data-status="pending"]', { hasText: "typed offline" }).waitFor({ timeout });

  await context.setOffline(false);
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: "typed offline" }).waitFor({ timeout: 60_000 });
  await send(page, "marker after");
  await line(bob, "chat", "marker after").waitFor({ timeout });
  assert.equal(await line(bob, "chat", "typed offline").count(), 1, "delivered once");
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
});

test("a newer build on the server is offered as a reload, read from the (minified) page", async (t) => {
  // Service workers off: the page's own fetch of itself is then routed here.
  const context = await shared.browser.newContext({ serviceWorkers: "block" });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const address = `http://${shared.app.addr}/?nick=una&url=${encodeURIComponent(`/ws?room=new-version-${Date.now()}`)}`;
  await page.goto(address);
  await page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  // The server's page now names another wasm file.
  await page.route(
    (url) => url.pathname === "/",
    async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace(/_bg\.wasm/g, "-newer_bg.wasm");
      await route.fulfill({ response, body: html });
    },
  );
  await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
  await page.getByTestId("new-version").waitFor({ timeout });
  assert.match(await page.getByTestId("new-version").textContent(), /A new version of wschat is ready/);
  assert.deepEqual(errors, []);
});


test("the service worker keeps one build's hashed files: a new build's copy lets the old go", async (t) => {
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`http://${shared.app.addr}/?nick=ola&connect=0`);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), "the worker controls the page");
  await page.evaluate(async () => {
    const wasm = document.querySelector("script[data-wasm]").dataset.wasm;
    const cache = await caches.open("wschat-1");
    // The wasm of an earlier build, and this build's wasm not yet kept (as when it is new).
    const earlier = wasm.replace(/-[0-9a-f]{8,}_bg\.wasm$/, "-0123456789abcdef_bg.wasm");
    await cache.put(earlier, new Response("earlier build"));
    await cache.put("/unrelated-0123456789abcdef.js", new Response("another file"));
    await cache.delete(wasm);
    await (await fetch(wasm)).arrayBuffer();
  });
  const wasm = await page.evaluate(() => document.querySelector("script[data-wasm]").dataset.wasm);
  const cached = () => page.evaluate(async () => (await (await caches.open("wschat-1")).keys()).map((r) => new URL(r.url).pathname));
  // The worker writes the cache after it answers: what it keeps is read once it has written
  // (or the wait is over, and the checks below say what is wrong).
  await page
    .waitForFunction(
      async (wasm) => {
        const paths = (await (await caches.open("wschat-1")).keys()).map((r) => new URL(r.url).pathname);
        return paths.includes(wasm) && !paths.some((p) => p.endsWith("-0123456789abcdef_bg.wasm"));
      },
      wasm,
      { timeout },
    )
    .catch(() => {});
  const kept = await cached();
  assert.ok(kept.includes(wasm), `this build's wasm kept: ${wasm} in ${kept.join(", ")}`);
  assert.ok(!kept.some((p) => p.endsWith("-0123456789abcdef_bg.wasm")), `the earlier build's wasm let go: ${kept.join(", ")}`);
  assert.ok(kept.includes("/unrelated-0123456789abcdef.js"), "another file's copies stay");
  // The page opened with another query: one copy of the page is kept, the newest.
  await page.goto(`http://${shared.app.addr}/?nick=ola2&connect=0`);
  await page.locator('[data-testid="connection-status"]').waitFor({ timeout });
  const pageCopies = () =>
    page.evaluate(async () =>
      (await (await caches.open("wschat-1")).keys()).map((r) => new URL(r.url)).filter((u) => u.pathname === "/").map((u) => u.search),
    );
  await page
    .waitForFunction(
      async () => {
        const copies = (await (await caches.open("wschat-1")).keys()).filter((r) => new URL(r.url).pathname === "/");
        return copies.length === 1 && new URL(copies[0].url).search === "?nick=ola2&connect=0";
      },
      null,
      { timeout },
    )
    .catch(() => {});
  assert.deepEqual(await pageCopies(), ["?nick=ola2&connect=0"]);
  assert.deepEqual(errors, []);
});

test("a new service worker lets earlier builds' format modules go, and keeps this build's", async (t) => {
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(`http://${shared.app.addr}/?nick=ola&connect=0`);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  // A module of an earlier build, under a name this build's splitter did not use.
  const stale = "/chunk_999-0123456789abcdef.wasm";
  await page.evaluate((stale) => caches.open("wschat-1").then((cache) => cache.put(stale, new Response("an earlier build's"))), stale);
  const kept = await page.evaluate(async () => {
    // The worker under another script address: the browser installs it anew, as it does a new
    // build's changed sw.js.
    const registration = await navigator.serviceWorker.register("sw.js?next-build");
    const next = registration.installing || registration.waiting;
    if (!next) return null;
    if (next.state !== "activated") {
      await new Promise((done) => next.addEventListener("statechange", () => next.state === "activated" && done()));
    }
    return (await (await caches.open("wschat-1")).keys()).map((request) => new URL(request.url).pathname);
  });
  assert.ok(kept, "the changed worker was installed");
  assert.ok(!kept.includes(stale), `the earlier build's module let go: ${kept.join(", ")}`);
  assert.ok(kept.some((p) => /^\/split_text-[0-9a-f]+\.wasm$/.test(p)), "this build's modules kept");
});
