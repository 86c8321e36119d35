// The wire formats' code is not in the first load: a release build fetches a format's wasm
// module when a connection first wants it (core's `ProtocolKind::load`, scripts/bin/wasm-bindgen),
// or while the app loads for the format the link names (web/loader.js).
// A module that cannot be fetched is said, loses nothing typed, and is fetched again.
// The rarely used views (inspector, search, jump-to) are modules of their own too (src/ui/lazy.rs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { holdRoute, send, sharedBrowserAndApp, timeout } from "./helpers.mjs";

const shared = sharedBrowserAndApp();
const FORMATS = ["text", "json", "irc", "socketio", "mqtt", "stomp", "xmpp", "auto"];
const formatOf = (url) => /\/split_([a-z]+)-[0-9a-f]+\.wasm$/.exec(new URL(url).pathname)?.[1];
const viewOf = (url) => /\/split_view_([a-z_]+)-[0-9a-f]+\.wasm$/.exec(new URL(url).pathname)?.[1];
const open = (page) => page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });

/** A page in a context of its own, without the service worker (it would fetch every module at
 * install, and its fetches are not the page's). */
async function pageWithoutWorker(t) {
  const context = await shared.browser.newContext({ serviceWorkers: "block" });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const fetched = [];
  const views = [];
  page.on("request", (request) => {
    const format = formatOf(request.url());
    if (format) fetched.push(format);
    const view = viewOf(request.url());
    if (view) views.push(view);
  });
  return { page, errors, fetched, views };
}

/** Aborts the page's fetches of `glob` as a dropped network does; returns how many it did. */
async function refuse(page, glob) {
  const refused = { count: 0 };
  await page.route(glob, (route) => {
    refused.count++;
    return route.abort("internetdisconnected");
  });
  return refused;
}

const appUrl = (params) => `http://${shared.app.addr}/?${new URLSearchParams(params)}`;

test("a connection fetches its own format's module and no other's", async (t) => {
  const { page, errors, fetched } = await pageWithoutWorker(t);
  await page.goto(appUrl({ nick: "lazy", url: `/ws?room=formats-${Date.now()}`, protocol: "text" }));
  await open(page);
  // Asked for by loader.js while the app loaded (the format the link names), and fetched once.
  const preloaded = await page.locator('link[rel="preload"][as="fetch"]').evaluateAll((links) => links.map((l) => l.href));
  assert.deepEqual([...new Set(preloaded.map(formatOf).filter(Boolean))], ["text"]);
  assert.deepEqual(fetched, ["text"], "only plain text's module, once");

  // The JSON format, chosen in the form, is fetched when it connects.
  await page.locator('[data-testid="protocol-select"]').selectOption("json");
  await page.locator('[data-testid="connect-button"]').click();
  await page.locator('[data-testid="message"][data-kind="system"]', { hasText: "Connecting to" }).nth(1).waitFor({ timeout });
  await open(page);
  assert.deepEqual(fetched, ["text", "json"]);
  assert.deepEqual(errors, []);
});

test("auto fetches every format's module before its link opens", async (t) => {
  const { page, errors, fetched } = await pageWithoutWorker(t);
  await page.goto(appUrl({ nick: "finder", url: `/ws?room=formats-auto-${Date.now()}`, protocol: "auto" }));
  await open(page);
  assert.deepEqual([...new Set(fetched)].sort(), [...FORMATS].sort());
  assert.deepEqual(errors, []);
});

test("a format module that cannot be fetched is said, keeps what is typed, and is fetched again", async (t) => {
  const { page, errors, fetched } = await pageWithoutWorker(t);
  const refused = await refuse(page, "**/split_text-*.wasm");
  await page.goto(appUrl({ nick: "patient", url: `/ws?room=formats-down-${Date.now()}`, protocol: "text" }));
  await page.locator('[data-testid="error"]', { hasText: "could not load its code for Plain text" }).waitFor({ timeout });
  assert.equal(await page.locator('[data-testid="connection-status"]').getAttribute("data-ready-state"), "closed");
  await send(page, "typed while the module was away");
  await page.locator('[data-testid="message"][data-kind="own"][data-status="pending"]', { hasText: "typed while the module was away" }).waitFor({ timeout });

  await page.unroute("**/split_text-*.wasm");
  await open(page);
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: "typed while the module was away" }).waitFor({ timeout: 60_000 });
  assert.ok(refused.count >= 1);
  assert.ok(fetched.filter((f) => f === "text").length > refused.count, "fetched again after the refusals");
  assert.deepEqual(errors, []);
});

test("the service worker keeps every format's module, for an offline start in any format", async (t) => {
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(appUrl({ nick: "keeper", url: `/ws?room=formats-kept-${Date.now()}`, protocol: "text" }));
  await open(page);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  const kept = await page.evaluate(async () => {
    const names = [];
    for (const key of await caches.keys()) for (const request of await (await caches.open(key)).keys()) names.push(request.url);
    return names;
  });
  assert.deepEqual([...new Set(kept.map(formatOf).filter(Boolean))].sort(), [...FORMATS].sort());
});

test("a link naming a format by another name it has gets that format's modules preloaded", async (t) => {
  const { page } = await pageWithoutWorker(t);
  for (const [alias, format] of [["socket.io", "socketio"], ["Jabber", "xmpp"]]) {
    await page.goto(appUrl({ nick: "aliased", url: "/ws", protocol: alias, connect: "0" }));
    const preloaded = await page.locator('link[rel="preload"][as="fetch"]').evaluateAll((links) => links.map((l) => l.href));
    assert.deepEqual([...new Set(preloaded.map(formatOf).filter(Boolean))], [format], alias);
  }
});

test("Disconnect while the format's module is on its way: nothing opens, and the next Connect opens once", async (t) => {
  const { page, errors } = await pageWithoutWorker(t);
  const { asked, release } = await holdRoute(page, "**/split_text-*.wasm");
  await page.goto(appUrl({ nick: "changes-mind", url: `/ws?room=formats-cancel-${Date.now()}`, protocol: "text" }));
  await asked;
  await page.locator('[data-testid="disconnect-button"]').click();
  await page.locator('[data-testid="message"][data-kind="system"]', { hasText: "Connection cancelled." }).waitFor({ timeout });
  // The same module serves the next opening: the one cancelled gets it too, and must not open.
  await page.locator('[data-testid="connect-button"]').click();
  release();
  await open(page);
  await send(page, "marker after the opening");
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: "marker after the opening" }).waitFor({ timeout });
  const connecting = page.locator('[data-testid="message"][data-kind="system"]', { hasText: "Connecting to" });
  assert.equal(await connecting.count(), 1, "one socket opened");
  assert.deepEqual(errors, []);
});

const INSPECTOR_MODULE = "**/split_view_inspector-*.wasm";

/**
 * A connected page whose inspector's module was refused once (the failure shown, the route
 * let go); `tryAgain()` presses Try again from the keyboard.
 */
async function inspectorRefusedOnce(t, nick) {
  const { page, errors } = await pageWithoutWorker(t);
  await refuse(page, INSPECTOR_MODULE);
  await page.goto(appUrl({ nick, url: `/ws?room=views-${nick}-${Date.now()}`, protocol: "text" }));
  await open(page);
  await page.getByTestId("inspector-toggle").click();
  const failed = page.getByRole("alert").filter({ hasText: "could not load its code for the frame inspector" });
  await failed.waitFor({ timeout });
  await page.unroute(INSPECTOR_MODULE);
  const tryAgain = async () => {
    await failed.getByRole("button", { name: "Try again" }).focus();
    await page.keyboard.press("Enter");
  };
  return { page, errors, tryAgain };
}

test("the inspector loaded by Try again from the keyboard takes the focus its button had", async (t) => {
  const { page, errors, tryAgain } = await inspectorRefusedOnce(t, "keys");
  await tryAgain();
  await page.getByTestId("inspector-filter").waitFor({ timeout });
  await page.waitForFunction(() => document.activeElement?.dataset.testid === "inspector-filter", null, { timeout });
  // Typing goes on where the person was: into the panel's filter.
  await page.keyboard.type("out");
  assert.equal(await page.getByTestId("inspector-filter").inputValue(), "out");
  // Opened again from its button, the focus stays on the button.
  const toggle = page.getByTestId("inspector-toggle");
  await toggle.click();
  await page.getByTestId("inspector-filter").waitFor({ state: "detached", timeout });
  await toggle.focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("inspector-filter").waitFor({ timeout });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "inspector-toggle");
  // Made again with the tab shown after the active one is closed (whose button goes, and the
  // focus with it): the inspector leaves the focus alone.
  await page.getByTestId("new-tab-button").click();
  await page.locator('[data-testid="tab"]').nth(1).and(page.locator('[aria-current="page"]')).waitFor({ timeout });
  await page.getByTestId("tab-close").nth(1).click();
  await page.getByTestId("inspector-filter").waitFor({ timeout });
  await page.getByTestId("message").first().waitFor({ timeout });
  assert.notEqual(await page.evaluate(() => document.activeElement?.dataset.testid), "inspector-filter");
  assert.deepEqual(errors, []);
});

test("the inspector loaded by Try again leaves the focus where the person put it meanwhile", async (t) => {
  const { page, errors, tryAgain } = await inspectorRefusedOnce(t, "mover");
  const { release } = await holdRoute(page, INSPECTOR_MODULE);
  await tryAgain();
  await page.getByRole("status").filter({ hasText: "Loading…" }).waitFor({ timeout });
  // The person goes on typing while the module is on its way.
  await page.getByTestId("composer-input").click();
  release();
  await page.getByTestId("inspector-filter").waitFor({ timeout });
  await page.keyboard.type("still here");
  assert.equal(await page.getByTestId("composer-input").inputValue(), "still here");
  assert.equal(await page.getByTestId("inspector-filter").inputValue(), "");
  assert.deepEqual(errors, []);
});

test("the inspector and the search are fetched when first opened; a refused one says so and comes on Try again", async (t) => {
  const { page, errors, views } = await pageWithoutWorker(t);
  const refused = await refuse(page, "**/split_view_search-*.wasm");
  const room = `views-${Date.now()}`;
  await page.goto(appUrl({ nick: "opener", url: `/ws?room=${room}`, protocol: "text" }));
  await open(page);
  await send(page, "a line to look up later");
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: "a line to look up later" }).waitFor({ timeout });
  assert.deepEqual(views, [], "no view's module on load");

  // Opened, closed and opened again: fetched once.
  const toggle = page.getByTestId("inspector-toggle");
  await toggle.click();
  await page.locator('[data-testid="inspector-frame"][data-direction="out"]', { hasText: "a line to look up later" }).waitFor({ timeout });
  await toggle.click();
  await page.getByTestId("inspector-filter").waitFor({ state: "detached", timeout });
  await toggle.click();
  await page.getByTestId("inspector-filter").waitFor({ timeout });
  assert.deepEqual(views, ["inspector"]);

  // `/search` before the panel's module is there: refused, said, and the term looked up once
  // the module comes.
  await send(page, "/search look up");
  const failed = page.getByRole("alert").filter({ hasText: "could not load its code for the search" });
  await failed.waitFor({ timeout });
  assert.equal(await page.getByTestId("search-input").count(), 0);
  await page.unroute("**/split_view_search-*.wasm");
  await failed.getByRole("button", { name: "Try again" }).click();
  await page.locator('[data-testid="search-result"]', { hasText: "a line to look up later" }).waitFor({ timeout });
  assert.equal(await page.getByTestId("search-input").inputValue(), "look up");
  assert.equal(refused.count, 1);
  assert.deepEqual(views.filter((v) => v === "search").length, 2, "refused, then fetched on Try again");
  // The jump-to box (Ctrl+K) is opened in irc-conversations.test.mjs: plain text has one
  // conversation, no list, and no box to jump with, so Ctrl+K is left to the browser.
  const ctrlKTaken = await page.evaluate(() => {
    const key = new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true, cancelable: true });
    document.querySelector('[data-testid="composer-input"]').dispatchEvent(key);
    return key.defaultPrevented;
  });
  assert.equal(ctrlKTaken, false);
  assert.deepEqual(errors, []);
});
