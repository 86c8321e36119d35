// Fast at any size: a 10,000-member channel (NAMES from tests/peers/irc-sasl.mjs) counted whole
// in `user-list`'s data-count while only a window of rows is in the document, its last member
// reached by scrolling, and the first again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sharedBrowserAndApp, startProcess, timeout } from "./helpers.mjs";

const shared = sharedBrowserAndApp();

test("a 10,000-member channel: counted whole, a window of rows drawn, the last one reached by scrolling", async (t) => {
  const peer = await startProcess("node", ["tests/peers/irc-sasl.mjs", "ada:sesame", "10000"], /listening on (\S+)\n/);
  t.after(() => peer.kill());
  const context = await shared.browser.newContext({ viewport: { width: 1100, height: 700 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const query = new URLSearchParams({ protocol: "irc", nick: "ada", channel: "#big", url: `ws://${peer.match[1]}/` });
  await page.goto(`http://${shared.app.addr}/?${query}`);
  const list = page.locator('[data-testid="user-list"]:visible');
  await page.locator('[data-testid="user-list"][data-count="10001"]').waitFor({ timeout });
  const drawn = await list.locator('[data-testid="user"]').count();
  assert.ok(drawn > 10 && drawn < 200, `a window of rows, not all: ${drawn}`);
  // Scrolled to the end, the last member (by name without case: member9999) is drawn.
  await list.evaluate((ul) => ul.scrollTo(0, ul.scrollHeight));
  await list.locator('[data-testid="user"][data-nick="member9999"]').waitFor({ timeout });
  assert.ok((await list.locator('[data-testid="user"]').count()) < 200);
  assert.ok(!(await list.locator('[data-testid="user"][data-nick="ada"]').count()), "the first rows left the document");
  await list.evaluate((ul) => ul.scrollTo(0, 0));
  await list.locator('[data-testid="user"][data-nick="ada"]').waitFor({ timeout });
  assert.deepEqual(errors, []);
});
