// End to end: the release build, served by the reference server, in headless Chromium.
// Two pages (two browser contexts, so two people) chat with each other through the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { send, sharedBrowser, timeout } from "./helpers.mjs";

const appUrl = process.env.WSCHAT_APP_URL;
const screenshotDir = process.env.WSCHAT_SCREENSHOTS; // set to keep pictures of the run
assert.ok(appUrl, "WSCHAT_APP_URL must point at the served release build");
const shared = sharedBrowser();

/** Opens the app as `nick` in its own context, in `room`, and waits until the socket is open. */
async function openAs(nick, room, colorScheme = "light") {
  const context = await shared.browser.newContext({ colorScheme, viewport: { width: 1100, height: 640 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const url = `${appUrl}?nick=${nick}&url=${encodeURIComponent(`/ws?room=${room}`)}`;
  await page.goto(url);
  await page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  return { page, errors };
}

function message(page, kind, nick, text) {
  return page.locator(`[data-testid="message"][data-kind="${kind}"][data-nick="${nick}"]`, {
    has: page.locator('[data-testid="message-text"]', { hasText: text }),
  });
}

test("two pages chat with each other through the reference server", async () => {
  const room = `e2e-${Date.now()}`;
  const alice = await openAs("alice", room);
  const bob = await openAs("bob", room, "dark");

  await send(alice.page, "hi bob, it's alice");
  await message(bob.page, "chat", "alice", "hi bob, it's alice").waitFor({ timeout });
  await alice.page
    .locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: "hi bob, it's alice" })
    .waitFor({ timeout });

  await send(bob.page, "hello alice <b>not bold</b>");
  await message(alice.page, "chat", "bob", "hello alice <b>not bold</b>").waitFor({ timeout });
  assert.equal(await alice.page.locator('[data-testid="message-list"] b').count(), 0, "network text stays text");

  // Shift+Enter is a newline; Enter then sends both lines as one message.
  const input = bob.page.getByTestId("composer-input");
  await input.fill("line one");
  await input.press("Shift+Enter");
  await input.type("line two");
  await input.press("Enter");
  await alice.page
    .locator('[data-testid="message"][data-kind="chat"][data-nick="bob"] [data-testid="message-text"]')
    .filter({ hasText: "line two" })
    .waitFor({ timeout });
  const multi = await alice.page
    .locator('[data-testid="message"][data-nick="bob"] [data-testid="message-text"]')
    .last()
    .textContent();
  assert.equal(multi, "line one\nline two");

  const total = await alice.page.getByTestId("message-list").getAttribute("data-total-received");
  assert.equal(total, "3", "alice received her echo and bob's two messages");

  if (screenshotDir) {
    mkdirSync(screenshotDir, { recursive: true });
    await alice.page.screenshot({ path: `${screenshotDir}/alice-light.png` });
    await bob.page.screenshot({ path: `${screenshotDir}/bob-dark.png` });
  }

  // Disconnect shows the close and its meaning.
  await alice.page.getByTestId("disconnect-button").click();
  const close = alice.page.getByTestId("close-info");
  await close.waitFor({ timeout });
  assert.equal(await close.getAttribute("data-code"), "1000");
  assert.equal(await close.getAttribute("data-was-clean"), "true");
  await alice.page.locator('[data-testid="connection-status"][data-ready-state="closed"]').waitFor({ timeout });

  assert.deepEqual(alice.errors, [], "no page errors (a panic would show here)");
  assert.deepEqual(bob.errors, [], "no page errors (a panic would show here)");
});
