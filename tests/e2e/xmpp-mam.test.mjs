// A room's archive (XEP-0313 MAM) beyond what the browser's store holds, against Debian's
// Prosody with mod_muc_mam: 60 lines said in a room before the page joins, the room sending
// its newest 20 on join, and the rest asked of its archive as the person reaches the top: all
// 60, once each, in order. A private chat is paged back in the account's archive (mod_mam) on
// a second device, and listed on a third that never saw it. And a line seen live is known by the archive's id when the room sends it
// again after a reload, though this browser's clock is 30 s off the server's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { xmppPeer } from "./xmpp-peer.mjs";
import { conversation, inspectorExport, scrollToFirst, untilStored, send, sentFrames, sharedBrowserAndApp, startProsody, timeout, walkList } from "./helpers.mjs";

const shared = sharedBrowserAndApp();
const password = "s3cret pass";
const lobby = "lobby@conference.localhost";
const said = Array.from({ length: 60 }, (_, i) => `archived ${String(i + 1).padStart(2, "0")}`);
const archived = /^archived \d\d$/;

test("XMPP MAM: scrolling back reaches every line the room's archive keeps, once each, in order", async (t) => {
  const server = await startProsody(password);
  t.after(() => server.kill());
  const bob = await xmppPeer(server, "bob", password, [lobby]);
  t.after(() => bob.stop());
  for (const text of said) await bob.say(lobby, text);
  await bob.inbox.waitFor((m) => m.body === said.at(-1), "the room's reflection of the last line");

  const context = await shared.browser.newContext({ viewport: { width: 1000, height: 700 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const params = new URLSearchParams({ protocol: "xmpp", url: server.anonUrl, nick: "ada", channel: lobby });
  await page.goto(`http://${shared.app.addr}/?${params}`);
  // The room's history on join: its newest 20.
  await page.locator('[data-testid="message-text"]', { hasText: said.at(-1) }).waitFor({ timeout });
  assert.equal(await scrollToFirst(page, archived, said[0]), said[0], "the top reached");
  assert.deepEqual(await walkList(page, (text) => archived.test(text)), said, "every line once, in order");
  const asked = sentFrames(await inspectorExport(page)).filter((r) => r.text?.includes("urn:xmpp:mam:2"));
  assert.ok(asked.length >= 1, "the archive was asked");
  // The conversation goes on below them.
  await send(page, "after the archive");
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: "after the archive" }).waitFor({ timeout });
  assert.deepEqual(errors, []);
});

test("XMPP: a line seen live is known by its archive id after a reload, whatever this clock says", async (t) => {
  const server = await startProsody(password);
  t.after(() => server.kill());
  const bob = await xmppPeer(server, "bob", password, [lobby]);
  t.after(() => bob.stop());
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  // This browser's clock runs 30 s ahead of the server's: by nick, text and second, the room's
  // copy would be another line.
  await context.addInitScript(() => {
    const now = Date.now;
    Date.now = () => now() + 30_000;
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const params = new URLSearchParams({ protocol: "xmpp", url: server.anonUrl, nick: "ada", channel: lobby });
  await page.goto(`http://${shared.app.addr}/?${params}`);
  const line = page.locator('[data-testid="message-list"]:visible [data-testid="message-text"]', { hasText: /^seen live$/ });
  await page.getByText(`Joined ${lobby} as ada.`).waitFor({ timeout });
  await bob.say(lobby, "seen live");
  await line.waitFor({ timeout });
  await untilStored(page, "seen live");
  await page.reload();
  // The stored line, then the room's history on join with it again, then a marker said after
  // (a page's own "Joined" notice is not stored: this one is the new join's).
  await page.getByText(`Joined ${lobby} as ada.`).waitFor({ timeout });
  await bob.say(lobby, "after the reload");
  await page.locator('[data-testid="message-text"]', { hasText: /^after the reload$/ }).waitFor({ timeout });
  assert.equal(await line.count(), 1, "shown once");
  assert.deepEqual(errors, []);
});

test("XMPP MAM: a private chat is paged back in the account's archive, on another device", async (t) => {
  const server = await startProsody(password);
  t.after(() => server.kill());
  const bob = await xmppPeer(server, "bob", password, []);
  t.after(() => bob.stop());
  /** A page logged in as ada (the password typed), in no room. */
  const device = async () => {
    const context = await shared.browser.newContext({ viewport: { width: 1000, height: 700 } });
    t.after(() => context.close());
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    const params = new URLSearchParams({ protocol: "xmpp", url: server.url, nick: "ada", login: "ada@localhost", channel: "", connect: "0" });
    await page.goto(`http://${shared.app.addr}/?${params}`);
    await page.getByTestId("password-input").fill(password);
    await page.getByTestId("connect-button").click();
    await page.getByText("Online as ada@localhost").waitFor({ timeout });
    return { page, errors, context };
  };
  const said = Array.from({ length: 30 }, (_, i) => `private ${String(i + 1).padStart(2, "0")}`);
  const first = await device();
  for (const text of said) await bob.whisper("ada@localhost", text);
  await conversation(first.page, "bob@localhost").click();
  await first.page.locator('[data-testid="message-list"]:visible [data-testid="message-text"]', { hasText: said.at(-1) }).waitFor({ timeout });
  assert.deepEqual(first.errors, []);
  await first.context.close();
  // Another device: its store holds nothing of bob; one new line opens the chat, and scrolling
  // up brings the rest from the account's archive.
  const second = await device();
  await bob.whisper("ada@localhost", "private 31");
  await conversation(second.page, "bob@localhost").click();
  await second.page.locator('[data-testid="message-list"]:visible [data-testid="message-text"]', { hasText: "private 31" }).waitFor({ timeout });
  const wanted = /^private \d\d$/;
  assert.equal(await scrollToFirst(second.page, wanted, said[0]), said[0], "the top reached");
  assert.deepEqual(await walkList(second.page, (text) => wanted.test(text)), [...said, "private 31"], "every line once, in order");
  assert.deepEqual(second.errors, []);
  await second.context.close();
  // A third device, and bob says nothing new: the account's newest page names him, so the chat
  // is listed all the same, and opening it brings its lines from the archive.
  const third = await device();
  await conversation(third.page, "bob@localhost").click();
  await third.page.locator('[data-testid="message-list"]:visible [data-testid="message-text"]', { hasText: "private 31" }).waitFor({ timeout });
  assert.deepEqual(third.errors, []);
});
