// Nothing typed is lost: the chat server is killed and restarted (and the page reloaded, and
// the browser offline) while a person types. The server's own record of what it received is
// the judge: every message once, in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { ownStatuses, readyState, recorded, send, sharedBrowserAndApp, startServer, timeout, untilOwn } from "./helpers.mjs";

const work = mkdtempSync(path.join(tmpdir(), "wschat-outage-"));

const shared = sharedBrowserAndApp();

/** The page's system entries (connection events) as text, in order. */
const systemTexts = (page) => page.locator('[data-testid="message"][data-kind="system"] [data-testid="message-text"]').allTextContents();

/** The attempt numbers of the reconnects announced in `timeline` (system texts), in order. */
function announcedAttempts(timeline) {
  return timeline.flatMap((text) => {
    const match = /^Reconnecting in .* \(attempt (\d+)\)\.$/.exec(text);
    return match ? [Number(match[1])] : [];
  });
}

async function openChat(nick, chat, room) {
  const context = await shared.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const ws = `ws://${chat.addr}/ws?room=${room}`;
  await page.goto(`http://${shared.app.addr}/?nick=${nick}&url=${encodeURIComponent(ws)}`);
  try {
    await readyState(page, "open").waitFor({ timeout });
  } catch (e) {
    throw new Error(`${e.message}\nat ${page.url()} the page said: ${await page.locator("body").innerText()}`);
  }
  return { context, page, errors };
}

test("the server is killed and restarted while 20 messages are typed: all arrive once, in order", async (t) => {
  const record = path.join(work, "kill.txt");
  const room = "kill";
  let chat = await startServer(["--record", record]);
  t.after(() => chat.kill());
  const { page, errors } = await openChat("kim", chat, room);

  await chat.kill();
  await readyState(page, "closed").waitFor({ timeout });
  const typed = Array.from({ length: 20 }, (_, i) => `outage message ${i + 1}`);
  for (const text of typed) await send(page, text);
  assert.deepEqual(await ownStatuses(page), typed.map((t) => [t, "pending"]), "shown at once, pending");
  // It keeps trying while the server is down: a third attempt scheduled after two failed.
  await page
    .waitForFunction(() => Number(document.querySelector('[data-testid="reconnect-info"]')?.dataset.attempt) >= 3, null, { timeout })
    .catch(async (e) => assert.fail(`no third attempt scheduled; the timeline: ${JSON.stringify(await systemTexts(page))}: ${e.message}`));
  const timeline = await systemTexts(page);
  const attempts = announcedAttempts(timeline);
  assert.ok(attempts.length >= 3, `attempts announced: ${attempts}`);
  assert.deepEqual(attempts, attempts.map((_, i) => i + 1), "counted up, one by one");
  const tries = timeline.filter((text) => text.startsWith("Connecting to"));
  // The first connect, then one per attempt that has come due.
  assert.ok(tries.length >= attempts.length, `tried ${tries.length} times: ${JSON.stringify(timeline)}`);

  chat = await startServer(["--record", record], chat.addr);
  await untilOwn(page, 20, "delivered");
  assert.deepEqual(recorded(record, room), typed.map((t) => `kim: ${t}`));
  assert.deepEqual(errors, []);
  await chat.kill();
});

test("the same with a page reload in the middle of the outage", async (t) => {
  const record = path.join(work, "reload.txt");
  const room = "reload";
  let chat = await startServer(["--record", record]);
  t.after(() => chat.kill());
  const { page, errors } = await openChat("lea", chat, room);

  await chat.kill();
  await readyState(page, "closed").waitFor({ timeout });
  const typed = Array.from({ length: 20 }, (_, i) => `reload message ${i + 1}`);
  for (const text of typed.slice(0, 10)) await send(page, text);
  await untilOwn(page, 10, "pending");

  await page.reload();
  await untilOwn(page, 10, "pending", timeout); // restored from the last visit
  for (const text of typed.slice(10)) await send(page, text);
  assert.deepEqual(await ownStatuses(page), typed.map((t) => [t, "pending"]));

  chat = await startServer(["--record", record], chat.addr);
  await untilOwn(page, 20, "delivered");
  assert.deepEqual(recorded(record, room), typed.map((t) => `lea: ${t}`));
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("wschat.outbox")).length), 0,
    "nothing is left to send after delivery");

  // A second reload must not send anything again (the 20 come back from the stored history,
  // delivered).
  await page.reload();
  await readyState(page, "open").waitFor({ timeout });
  await send(page, "after the second reload");
  await untilOwn(page, 21, "delivered", timeout);
  assert.deepEqual(recorded(record, room), [...typed, "after the second reload"].map((t) => `lea: ${t}`));
  assert.deepEqual(errors, []);
  await chat.kill();
});

test("while the browser is offline it waits for the network instead of retrying", async (t) => {
  const record = path.join(work, "offline.txt");
  const room = "offline";
  let chat = await startServer(["--record", record]);
  t.after(() => chat.kill());
  const { context, page, errors } = await openChat("max", chat, room);

  await context.setOffline(true);
  await chat.kill();
  await readyState(page, "closed").waitFor({ timeout });
  await page.getByText("The browser is offline; reconnecting as soon as the network is back.").waitFor({ timeout });
  assert.equal(await page.getByTestId("reconnect-info").count(), 0, "no attempts burned while offline");
  const connects = (await systemTexts(page)).filter((text) => text.startsWith("Connecting to")).length;
  const typed = ["typed offline 1", "typed offline 2", "typed offline 3"];
  for (const text of typed) await send(page, text);
  await untilOwn(page, 3, "pending", timeout);
  // Longer than the first two reconnect delays (at most 0.5 s and 1 s): none was scheduled, none tried.
  await page.waitForTimeout(2_000);
  assert.equal(await page.getByTestId("reconnect-info").count(), 0, "no attempt scheduled while offline");
  assert.deepEqual(announcedAttempts(await systemTexts(page)), [], "no reconnect announced while offline");
  assert.equal((await systemTexts(page)).filter((text) => text.startsWith("Connecting to")).length, connects, "no attempt while offline");

  chat = await startServer(["--record", record], chat.addr);
  await context.setOffline(false);
  await untilOwn(page, 3, "delivered");
  assert.deepEqual(recorded(record, room), typed.map((t) => `max: ${t}`));
  assert.deepEqual(errors, []);
  await chat.kill();
});

test("a server that accepts but never answers the handshake is abandoned after the connect timeout", async (t) => {
  const held = [];
  const silent = net.createServer((socket) => held.push(socket));
  t.after(() => {
    for (const socket of held) socket.destroy();
    silent.close();
  });
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const ws = `ws://127.0.0.1:${silent.address().port}/ws`;
  const page = await (await shared.browser.newContext()).newPage();
  await page.goto(`http://${shared.app.addr}/?nick=tom&connect_timeout=1000&url=${encodeURIComponent(ws)}`);
  await readyState(page, "connecting").waitFor({ timeout });
  await page.getByTestId("reconnect-info").waitFor({ timeout });
  await page.getByText("No answer within 1 s; giving up on this attempt.").first().waitFor({ timeout });
  // Timed by the page's own timeline (each entry's time in ms), not by when the test saw it.
  const took = await page.evaluate(() => {
    const rows = [...document.querySelectorAll('[data-testid="message"][data-kind="system"]')];
    const at = (prefix) => Number(rows.find((r) => r.textContent.includes(prefix)).dataset.ms);
    return at("No answer within") - at("Connecting to");
  });
  assert.ok(took >= 950 && took < 5000, `abandoned after the 1 s timeout, took ${took} ms`);
  assert.ok(held.length >= 1, "the browser really reached the silent server");
});
