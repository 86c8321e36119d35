// One message, one delivery, whatever the pages: pages of one browser profile share storage, and
// each pending message must reach the server exactly once, in the order it was typed, whichever
// page sends it; a message typed for one server never goes to another; an echo that the
// plain-text rule splits still confirms; a full storage is said and never makes a resend. The
// reference server's record of what it received is the judge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchChromium, readyState, recorded, send, sharedBrowserAndApp, startServer, timeout, untilOwn } from "./helpers.mjs";

const work = mkdtempSync(path.join(tmpdir(), "wschat-pages-"));
const rounds = Number(process.env.WSCHAT_PAGE_ROUNDS || 4);

const shared = sharedBrowserAndApp();

/** A page of `context` open on `chat`'s `room` as `nick`, with its uncaught errors collected. */
async function openPage(context, nick, chat, room, errors, { wait = "open", appHost = null } = {}) {
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e));
  const ws = `ws://${chat.addr}/ws?room=${room}`;
  const app = appHost ? `${appHost}:${shared.app.addr.split(":")[1]}` : shared.app.addr;
  await page.goto(`http://${app}/?nick=${nick}&url=${encodeURIComponent(ws)}`);
  if (wait) await readyState(page, wait).waitFor({ timeout });
  return page;
}

/** Own entries of the page with the given note beside them. */
function noted(page, note) {
  return page.locator('[data-testid="message"][data-kind="own"]').filter({ has: page.locator(".entry-note", { hasText: note }) });
}

/** Each of `typed` once in `got`, and each page's messages in the order that page typed them. */
function assertOnceInOrder(got, typedByPage) {
  const all = typedByPage.flat();
  assert.deepEqual([...got].sort(), [...all].sort(), "every message exactly once");
  for (const typed of typedByPage) {
    assert.deepEqual(got.filter((line) => typed.includes(line)), typed, "in the order typed");
  }
}

test("two pages type during an outage, one is closed and opened again: each message arrives once", async (t) => {
  for (let round = 1; round <= rounds; round++) {
    const record = path.join(work, `pages-${round}.txt`);
    const room = `pages${round}`;
    let chat = await startServer(["--record", record]);
  t.after(() => chat.kill());
    t.after(() => chat.kill());
    const context = await shared.browser.newContext();
  t.after(() => context.close().catch(() => {}));
    t.after(() => context.close().catch(() => {}));
    const errors = [];
    const a = await openPage(context, "amy", chat, room, errors);
    const b = await openPage(context, "bea", chat, room, errors);

    await chat.kill();
    await readyState(a, "closed").waitFor({ timeout });
    await readyState(b, "closed").waitFor({ timeout });
    const typed = { a: [`a1 of round ${round}`, `a2 of round ${round}`], b: [`b1 of round ${round}`] };
    await send(a, typed.a[0]);
    await send(b, typed.b[0]);
    await send(a, typed.a[1]);
    await a.close();
    const a2 = await openPage(context, "amy", chat, room, errors, { wait: "closed" });
    chat = await startServer(["--record", record], chat.addr);
    await Promise.all([readyState(a2, "open").waitFor({ timeout: 60_000 }), readyState(b, "open").waitFor({ timeout: 60_000 })]);
    const expected = [...typed.a.map((t) => `amy: ${t}`), ...typed.b.map((t) => `bea: ${t}`)];
    await waitUntil(() => recorded(record, room).length >= expected.length, 60_000, () => recorded(record, room));
    // The pages settle (nothing pending, nothing sent), then a last message from each is
    // delivered: a copy of anything typed before would have reached the server ahead of it.
    await settled([a2, b]);
    const markers = { a: `a marker of round ${round}`, b: `b marker of round ${round}` };
    await send(a2, markers.a);
    await send(b, markers.b);
    await untilOwnIn(a2, [markers.a], "delivered");
    await untilOwnIn(b, [markers.b], "delivered");
    assertOnceInOrder(recorded(record, room), [
      [...typed.a, markers.a].map((t) => `amy: ${t}`),
      [...typed.b, markers.b].map((t) => `bea: ${t}`),
    ]);
    assert.deepEqual(errors, [], `round ${round}: no page panicked`);
    await context.close();
    await chat.kill();
  }
});

/** A second page opens while the first holds pending messages: it shows them as waiting there
 * and never sends them; the first delivers each once. `browser` and `appHost` set the origin. */
async function secondPageWaits(t, browser, appHost, name) {
  const record = path.join(work, `${name}.txt`);
  const room = name;
  let chat = await startServer(["--record", record]);
  t.after(() => chat.kill());
  const context = await browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const errors = [];
  const first = await openPage(context, "cat", chat, room, errors, { appHost });
  await chat.kill();
  await readyState(first, "closed").waitFor({ timeout });
  const typed = ["held 1", "held 2", "held 3"];
  for (const text of typed) await send(first, text);

  const second = await openPage(context, "cat", chat, room, errors, { wait: "closed", appHost });
  await noted(second, "waiting in another page").nth(2).waitFor({ timeout });
  assert.equal(await noted(second, "waiting in another page").count(), 3);
  // A new tab of the first page, too.
  await first.getByTestId("new-tab-button").click();
  await noted(first, "waiting in another page").nth(2).waitFor({ timeout });
  await first.getByTestId("tab").first().click();

  chat = await startServer(["--record", record], chat.addr);
  await untilOwnIn(first, typed, "delivered");
  // Both pages connected again, and a last message from the second delivered after the
  // others: a copy of the first page's would have reached the server before it.
  await readyState(second, "open").waitFor({ timeout: 60_000 });
  await send(second, "marker");
  await untilOwnIn(second, ["marker"], "delivered");
  await settled([first, second]);
  assert.deepEqual(recorded(record, room), [...typed, "marker"].map((t) => `cat: ${t}`));
  // Delivered by the first tab: the second page and the new tab stop showing them as waiting.
  await second.waitForFunction(() => !document.querySelector(".entry-note"), null, { timeout });
  await first.getByTestId("tab").nth(1).click();
  await first.waitForFunction(() => !document.querySelector(".entry-note"), null, { timeout });
  assert.deepEqual(errors, []);
  await context.close();
  await chat.kill();
  return { first, second };
}

test("a second page opened while the first holds pending messages shows them and does not send them", async (t) => {
  await secondPageWaits(t, shared.browser, null, "second");
});

test("without Web Locks (a plain-http origin on another host), a second page still never sends the first's messages", async (t) => {
  // A host name that is not loopback, mapped to it: http:// there is not a secure context.
  const browser = await launchChromium(["--host-resolver-rules=MAP app.example.test 127.0.0.1"]);
  t.after(() => browser.close());
  const probe = await browser.newPage();
  await probe.goto(`http://app.example.test:${shared.app.addr.split(":")[1]}/?connect=0`);
  assert.equal(await probe.evaluate(() => !!navigator.locks || window.isSecureContext), false, "no Web Locks here");
  await probe.close();
  await secondPageWaits(t, browser, "app.example.test", "nolocks");
});

test("a page that crashes with pending messages leaves them to the page still open: delivered once", async (t) => {
  const record = path.join(work, "crash.txt");
  const room = "crash";
  let chat = await startServer(["--record", record]);
  t.after(() => chat.kill());
  const context = await shared.browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const errors = [];
  const doomed = await openPage(context, "ann", chat, room, []);
  const survivor = await openPage(context, "bob", chat, room, errors);
  await chat.kill();
  await readyState(doomed, "closed").waitFor({ timeout });
  const typed = ["typed before the crash 1", "typed before the crash 2"];
  for (const text of typed) await send(doomed, text);
  await noted(survivor, "waiting in another page").nth(1).waitFor({ timeout });

  const crashed = new Promise((resolve) => doomed.on("crash", resolve));
  await doomed.goto("chrome://crash").catch(() => {}); // the renderer dies: no unload, no cleanup
  await crashed;
  // The browser freed the crashed page's lock: the survivor holds its messages now.
  await survivor.waitForFunction(() => !document.querySelector(".entry-note"), null, { timeout });
  chat = await startServer(["--record", record], chat.addr);
  await untilOwnIn(survivor, typed, "delivered");
  await settled([survivor]);
  assert.deepEqual(recorded(record, room), typed.map((t) => `ann: ${t}`));
  assert.deepEqual(errors, []);
});

test("messages typed for one server wait for it while another is connected, then go there once", async (t) => {
  const recordX = path.join(work, "x.txt");
  const recordY = path.join(work, "y.txt");
  let x = await startServer(["--record", recordX]);
  const y = await startServer(["--record", recordY]);
  t.after(() => Promise.all([x.kill(), y.kill()]));
  const context = await shared.browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const errors = [];
  const page = await openPage(context, "dan", x, "x", errors);
  await x.kill();
  await readyState(page, "closed").waitFor({ timeout });
  const forX = ["for x 1", "for x 2"];
  for (const text of forX) await send(page, text);

  await page.getByTestId("url-input").fill(`ws://${y.addr}/ws?room=y`);
  await page.getByTestId("connect-button").click();
  await readyState(page, "open").waitFor({ timeout });
  await noted(page, "waits for the server it was typed for").nth(1).waitFor({ timeout });
  await send(page, "for y");
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor({ timeout });
  // The page is opened again on y: what waits for x stays stored for the next page on x.
  await page.goto(`http://${shared.app.addr}/?nick=dan&url=${encodeURIComponent(`ws://${y.addr}/ws?room=y`)}`);
  await readyState(page, "open").waitFor({ timeout });
  await send(page, "for y again");
  // "for y" is shown too: the stored history keeps it across the reload.
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: "for y again" }).waitFor({ timeout });
  assert.deepEqual(recorded(recordY, "y"), ["dan: for y", "dan: for y again"], "nothing typed for x went to y");

  x = await startServer(["--record", recordX], x.addr);
  await page.getByTestId("url-input").fill(`ws://${x.addr}/ws?room=x`);
  await page.getByTestId("connect-button").click();
  await untilOwnIn(page, forX, "delivered");
  await settled([page]);
  assert.deepEqual(recorded(recordX, "x"), forX.map((t) => `dan: ${t}`));
  assert.deepEqual(recorded(recordY, "y"), ["dan: for y", "dan: for y again"]);
  assert.deepEqual(errors, []);
  await context.close();
  await x.kill();
  await y.kill();
});

test("a two-line message whose second line reads like 'nick: text' is confirmed by its echo and never sent again", async (t) => {
  const record = path.join(work, "two-lines.txt");
  const room = "twolines";
  let chat = await startServer(["--record", record]);
  t.after(() => chat.kill());
  const context = await shared.browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const errors = [];
  const page = await openPage(context, "eve", chat, room, errors);
  const input = page.getByTestId("composer-input");
  await input.fill("first line\nerror: second line");
  await input.press("Enter");
  await untilOwn(page, 1, "delivered", timeout);

  await chat.kill();
  await readyState(page, "closed").waitFor({ timeout });
  chat = await startServer(["--record", record], chat.addr);
  await readyState(page, "open").waitFor({ timeout: 60_000 });
  await send(page, "after the restart");
  await untilOwn(page, 2, "delivered", timeout);
  assert.deepEqual(recorded(record, room), ["eve: first line\nerror: second line", "eve: after the restart"]);
  // A reload: the server is remembered as one that echoes, and nothing is pending (the two
  // delivered before come back from the stored history, delivered).
  await page.reload();
  await readyState(page, "open").waitFor({ timeout });
  await send(page, "after the reload");
  await untilOwn(page, 3, "delivered", timeout);
  assert.equal(recorded(record, room).length, 3);
  assert.deepEqual(errors, []);
  await context.close();
  await chat.kill();
});

test("storage full before typing: said in words, delivered once, nothing sent again after a reload", async (t) => {
  const record = path.join(work, "full.txt");
  const room = "full";
  let chat = await startServer(["--record", record]);
  t.after(() => chat.kill());
  const context = await shared.browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const errors = [];
  const page = await openPage(context, "fay", chat, room, errors);
  await chat.kill();
  await readyState(page, "closed").waitFor({ timeout });
  const filled = await page.evaluate(fillStorage);
  assert.ok(filled > 1);
  const typed = ["full 1", "full 2", "full 3"];
  for (const text of typed) await send(page, text);
  await page.getByText("The browser's storage is full").first().waitFor({ timeout });
  assert.deepEqual(
    await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("wschat.outbox"))),
    [],
    "nothing half-written is left to be sent again",
  );

  chat = await startServer(["--record", record], chat.addr);
  await untilOwn(page, 3, "delivered");
  await page.reload();
  await readyState(page, "open").waitFor({ timeout });
  await send(page, "after the reload");
  // The three delivered before come back from the stored history, delivered.
  await untilOwn(page, 4, "delivered", timeout);
  assert.deepEqual(recorded(record, room), [...typed, "after the reload"].map((t) => `fay: ${t}`));
  assert.deepEqual(errors, []);
  await context.close();
  await chat.kill();
});

test("storage fills while messages wait: those stored stay stored, the new one is said to be in this page only", async (t) => {
  const record = path.join(work, "fills.txt");
  const room = "fills";
  let chat = await startServer(["--record", record]);
  t.after(() => chat.kill());
  const context = await shared.browser.newContext();
  t.after(() => context.close().catch(() => {}));
  const errors = [];
  const page = await openPage(context, "gus", chat, room, errors);
  await chat.kill();
  await readyState(page, "closed").waitFor({ timeout });
  // The last is longer than the input history that gives way to it.
  const typed = ["stored 1", "stored 2", "stored 3", `typed when full ${"z".repeat(4000)}`];
  for (const text of typed.slice(0, 3)) await send(page, text);
  await page.evaluate(fillStorage);
  await send(page, typed[3]);
  await page.getByText("The browser's storage is full: 1 of 4 unsent message(s)").waitFor({ timeout });
  const stored = await page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith("wschat.outbox"))
      .map((k) => localStorage.getItem(k)),
  );
  assert.equal(stored.length, 1);
  assert.deepEqual(stored[0].split("\n").slice(1).map((line) => line.split("\t").pop()), typed.slice(0, 3));

  chat = await startServer(["--record", record], chat.addr);
  await untilOwn(page, 4, "delivered");
  await page.reload();
  await readyState(page, "open").waitFor({ timeout });
  await send(page, "after the reload");
  // The four delivered before come back from the stored history, delivered.
  await untilOwn(page, 5, "delivered", timeout);
  assert.deepEqual(recorded(record, room), [...typed, "after the reload"].map((t) => `gus: ${t}`));
  assert.deepEqual(errors, []);
});

/** Fills the origin's storage to the last byte it takes (run in the page). */
function fillStorage() {
  let chunk = "x".repeat(1 << 20);
  let i = 0;
  while (chunk.length > 0) {
    try {
      localStorage.setItem(`filler-${i++}`, chunk);
    } catch {
      chunk = chunk.slice(0, chunk.length >> 1);
    }
  }
  return i;
}

/** Polls `done` until it holds or `ms` pass; the failure shows `show()`. */
async function waitUntil(done, ms, show) {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`gave up waiting; had ${JSON.stringify(show())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until no page has an own message pending or sent and not waiting elsewhere: the
 * moment when a second copy would have gone out already. */
async function settled(pages) {
  for (const page of pages) {
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="message"][data-kind="own"]')].every(
          (n) => n.getAttribute("data-status") === "delivered" || n.querySelector(".entry-note"),
        ),
      null,
      { timeout: 60_000 },
    );
  }
}

/** Waits until each of `texts` is an own entry of `page` with `status`. */
async function untilOwnIn(page, texts, status) {
  await page.waitForFunction(
    ([texts, status]) => {
      const own = [...document.querySelectorAll('[data-testid="message"][data-kind="own"]')];
      return texts.every((t) =>
        own.some((n) => n.querySelector('[data-testid="message-text"]').textContent === t && n.dataset.status === status),
      );
    },
    [texts, status],
    { timeout: 60_000 },
  );
}
