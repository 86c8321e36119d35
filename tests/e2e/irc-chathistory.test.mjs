// History a server keeps beyond what the browser's store holds: against a small IRC server of
// the project's own that offers `draft/chathistory` (tests/peers/irc-chathistory.mjs; no Debian
// IRC server does), a channel of 300 lines replays its newest 20 on join, and the rest come by
// CHATHISTORY BEFORE, 100 at a time, as the person reaches the top: all 300, once each, in order.
// With `labeled-response`, a channel that replays nothing on join is asked at once, its
// answer told from any replay by its label.
import { test } from "node:test";
import assert from "node:assert/strict";
import { scrollToFirst, send, sharedBrowserAndApp, startProcess, storedHistory, timeout, walkList } from "./helpers.mjs";

const shared = sharedBrowserAndApp();

/** The peer started with `args`, and a page as ada in `channel` on it. */
async function joinPeer(t, args, channel) {
  const peer = await startProcess("node", ["tests/peers/irc-chathistory.mjs", ...args], /listening on (\S+)\n/);
  t.after(() => peer.kill());
  const context = await shared.browser.newContext({ viewport: { width: 1000, height: 700 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const url = `ws://${peer.match[1]}`;
  await page.goto(`http://${shared.app.addr}/?${new URLSearchParams({ protocol: "irc", url, nick: "ada", channel })}`);
  return { peer, page, errors };
}

/** Scrolled to the top, then walked down: "past 0" to "past N-1", each once, in order. */
async function allPastOnce(page, count) {
  assert.equal(await scrollToFirst(page, /^past \d+$/, "past 0"), "past 0", "the top reached");
  const order = await walkList(page, (text) => /^past \d+$/.test(text));
  assert.deepEqual(order, Array.from({ length: count }, (_, i) => `past ${i}`), "every line once, in order");
}

test("IRC CHATHISTORY: scrolling back reaches every line the server keeps, once each, in order", async (t) => {
  const { peer, page, errors } = await joinPeer(t, ["300", "20"], "#past");
  // The replay on join, then the rest, asked for as the list reaches its top.
  await page.locator('[data-testid="message-text"]', { hasText: /^past 299$/ }).waitFor({ timeout });
  await allPastOnce(page, 300);
  assert.match(peer.output(), /CHATHISTORY BEFORE #past timestamp=\S+ 100/);
  // The conversation goes on below them.
  await send(page, "after the past");
  await page.locator('[data-testid="message"][data-kind="own"]', { hasText: "after the past" }).waitFor({ timeout });
  assert.deepEqual(errors, []);
});

test("IRC CHATHISTORY with labels: a channel that replays nothing is asked at once", async (t) => {
  const { peer, page, errors } = await joinPeer(t, ["150", "0", "labels"], "#quiet");
  // Nothing on join: the newest 100, asked for because the channel holds no line, then the rest.
  await page.locator('[data-testid="message-text"]', { hasText: /^past 149$/ }).waitFor({ timeout });
  assert.match(peer.output(), /CHATHISTORY LATEST #quiet \* 100/);
  await allPastOnce(page, 150);
  assert.deepEqual(errors, []);
});

test("IRC CHATHISTORY: after Forget history and a reload, scrolling back reaches every line again", async (t) => {
  const { peer, page, errors } = await joinPeer(t, ["120", "20"], "#again");
  await page.locator('[data-testid="message-text"]', { hasText: /^past 119$/ }).waitFor({ timeout });
  // Every line seen (so stored), then forgotten: the store keeps nothing of this server, nor
  // any word that the server has no more to give.
  await allPastOnce(page, 120);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByTestId("forget-history-button").click();
  await page.locator('[data-testid="message"][data-kind="system"]', { hasText: "stored history is forgotten" }).waitFor({ timeout });
  assert.doesNotMatch(await storedHistory(page), /past \d+/, "the store keeps none of them");
  const asked = (peer.output().match(/CHATHISTORY BEFORE #again/g) ?? []).length;
  await page.reload();
  await page.locator('[data-testid="message-text"]', { hasText: /^past 119$/ }).waitFor({ timeout });
  await allPastOnce(page, 120);
  // From the server again, not from a store that kept them.
  assert.ok((peer.output().match(/CHATHISTORY BEFORE #again/g) ?? []).length > asked, "asked of the server again");
  assert.deepEqual(errors, []);
});
