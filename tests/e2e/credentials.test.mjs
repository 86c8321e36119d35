// Credentials in an address (user:password@, ?token=) are used to connect and shown nowhere:
// not in the page (text, attributes, links), the tab's title, the inspector's export, nor in
// storage (keys or values); a reload asks for them again instead of sending the mask.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { assertSecretHidden, readyState, root, sharedBrowser, startServer, timeout } from "./helpers.mjs";

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
  for (const secret of ["hunter2", "s3cr3t-t0ken"]) await assertSecretHidden(page, secret);
  // The remembered settings hold the address masked: opened without a link, the page asks for
  // the credentials rather than connecting with "***".
  await page.goto(`http://${chat.addr}/`);
  await page.getByTestId("error").filter({ hasText: "type the address with them again" }).waitFor({ timeout });
  assert.equal(await readyState(page, "closed").count(), 1);
  assert.deepEqual(errors, []);
});
