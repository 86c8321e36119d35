// Messages of any size leave the client alive: a server sends 24 text messages of 48 MiB and
// a binary one as large; the page keeps each one's start and size, its wasm memory stays small
// (wasm memory never shrinks, so what crosses into it must be bounded), and chat goes on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketServer } from "ws";
import { keepWasmMemory, readyState, sharedBrowserAndApp, timeout, wasmMemory } from "./helpers.mjs";

const MIB = 1 << 20;

const shared = sharedBrowserAndApp();

test("24 text messages of 48 MiB and a binary one: the page lives, memory stays bounded, chat goes on", async (t) => {
  const huge = "h".repeat(48 * MIB);
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 64 * MIB });
  t.after(() => server.close());
  await new Promise((resolve) => server.on("listening", resolve));
  server.on("connection", (ws) => {
    ws.on("message", async (data) => {
      if (String(data) !== "me: go") return;
      for (let i = 0; i < 24; i++) {
        await new Promise((resolve, reject) => ws.send(huge, (e) => (e ? reject(e) : resolve())));
      }
      ws.send(Buffer.alloc(48 * MIB, 7), { binary: true });
      ws.send("peer: still here");
    });
  });

  const page = await (await shared.browser.newContext()).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.addInitScript(keepWasmMemory);
  const url = `ws://127.0.0.1:${server.address().port}/`;
  await page.goto(`http://${shared.app.addr}/?nick=me&url=${encodeURIComponent(url)}`);
  await readyState(page, "open").waitFor({ timeout });
  const before = await wasmMemory(page);
  const input = page.getByTestId("composer-input");
  await input.fill("go");
  await input.press("Enter");

  await page
    .locator('[data-testid="message"][data-kind="chat"][data-nick="peer"]')
    .filter({ hasText: "still here" })
    .waitFor({ timeout: 180_000 });
  const raw = page.locator('[data-testid="message"][data-kind="raw"]');
  assert.equal(await raw.count(), 25, "each message has its entry");
  const first = raw.first();
  assert.equal((await first.getByTestId("message-text").textContent()).length, 64 * 1024, "its start is shown");
  assert.match(await first.innerText(), /of 48\.0 MiB: too large to keep whole/);
  assert.match(await raw.last().innerText(), /binary message of 48\.0 MiB/);
  const afterFlood = await wasmMemory(page);
  console.log(`wasm memory: ${before.bytes / MIB} MiB before, ${afterFlood.bytes / MIB} MiB after 1.2 GB of messages`);
  assert.ok(afterFlood.bytes - before.bytes <= 8 * MIB, `wasm memory grew by ${(afterFlood.bytes - before.bytes) / MIB} MiB`);

  await input.fill("after the flood");
  await input.press("Enter");
  await page
    .locator('[data-testid="message"][data-kind="own"][data-status="sent"]')
    .filter({ hasText: "after the flood" })
    .waitFor({ timeout });
  assert.deepEqual(errors, []);
});
