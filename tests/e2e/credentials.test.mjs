// Credentials in an address (user:password@, ?token=) are used to connect and shown nowhere:
// not in the timeline, the tab, the inspector's export, nor in storage key names.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { readyState, root, sharedBrowser, startServer, timeout } from "./helpers.mjs";

const shared = sharedBrowser();

test("credentials in the address are masked wherever the address is shown", async (t) => {
  const chat = await startServer(["--static", process.env.WSCHAT_DIST || path.join(root, "dist")]);
  t.after(() => chat.kill());
  const context = await shared.browser.newContext({ acceptDownloads: true });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const url = `ws://ada:hunter2@${chat.addr}/ws?room=secret&token=s3cr3t-t0ken`;
  await page.goto(`http://${chat.addr}/?nick=ada&url=${encodeURIComponent(url)}`);
  await readyState(page, "open").waitFor({ timeout });
  await page.getByText("Connected to").first().waitFor({ timeout });

  const shown = await page.locator("body").innerText();
  assert.ok(shown.includes(chat.addr), "the address is shown");
  for (const secret of ["hunter2", "s3cr3t-t0ken"]) {
    assert.ok(!shown.includes(secret), `${secret} is not on the page`);
    assert.ok(!(await page.title()).includes(secret), `${secret} is not in the title`);
  }
  const keys = await page.evaluate(() => Object.keys(localStorage).join("\n"));
  assert.ok(!keys.includes("hunter2") && !keys.includes("s3cr3t"), `storage keys: ${keys}`);
  assert.deepEqual(errors, []);
});
