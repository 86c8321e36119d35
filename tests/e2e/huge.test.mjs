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
  assert.equal((await first.getByTestId("message-text").textContent()).length, 16 * 1024, "its start is shown");
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

test("STOMP: a mebibyte of frames in one message is read in parts: each once, in order, before the next message", async (t) => {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: (offered) => (offered.has("v12.stomp") ? "v12.stomp" : false) });
  t.after(() => server.close());
  await new Promise((resolve) => server.on("listening", resolve));
  const COUNT = 16000;
  const message = (text) => `MESSAGE\ndestination:/topic/chat\n\n{"nick":"bob","text":"${text}"}\0`;
  // 16,000 messages, each with a frame no client understands after it: 1 MiB, many parts, and
  // wherever a part ends, a message is next or nearly.
  let big = "";
  for (let i = 1; i <= COUNT; i++) big += message(`n${i}`) + "X\r\n\r\n\0";
  server.on("connection", (ws) => {
    ws.on("message", (data) => {
      const frame = String(data);
      if (frame.startsWith("CONNECT")) ws.send("CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0");
      const receipt = /^receipt:(.*)$/m.exec(frame);
      if (frame.startsWith("SUBSCRIBE") && receipt) {
        ws.send(`RECEIPT\nreceipt-id:${receipt[1]}\n\n\0`);
        ws.send(big);
        ws.send(message("last"));
      }
    });
  });
  assert.ok(big.length > 1 << 20, `${big.length} bytes`);

  const page = await (await shared.browser.newContext()).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const url = `ws://127.0.0.1:${server.address().port}/`;
  await page.goto(`http://${shared.app.addr}/?nick=me&protocol=stomp&channel=/topic/chat&url=${encodeURIComponent(url)}`);
  const rows = page.locator('[data-testid="message"][data-kind="chat"]');
  await rows.filter({ hasText: "last" }).waitFor({ timeout });
  // The marker came in a message of its own after the big one: all of the big one was read by
  // then, and nothing twice.
  const list = page.getByTestId("message-list");
  assert.equal(await list.getAttribute("data-total-received"), String(COUNT + 1));
  const shown = await rows.getByTestId("message-text").allTextContents();
  assert.deepEqual(shown.slice(-3), [`n${COUNT - 1}`, `n${COUNT}`, "last"]);
  assert.deepEqual(errors, []);
});
