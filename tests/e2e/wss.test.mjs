// End to end over TLS: the reference server with a certificate this test makes (openssl) serves
// the release build over https and chats over wss. Pages loaded over https and over http both
// chat through wss://. And an https page asked for an unencrypted ws:// address, which the
// browser refuses (mixed content), says so in words, and names the wss:// address to use.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchChromium, readyState, root, send, startServer, timeout } from "./helpers.mjs";

const dist = process.env.WSCHAT_DIST || path.join(root, "dist");
// A name that is not loopback (so mixed content applies to it), which Chromium resolves to
// loopback: the server is here, but the browser only sees a name somewhere else.
const remoteName = "chat.example.test";
const work = mkdtempSync(path.join(tmpdir(), "wschat-wss-"));
let browser;
let secure; // https and wss, with the release build
let plain; // http and ws, with the release build

before(async () => {
  const cert = path.join(work, "cert.pem");
  const key = path.join(work, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  secure = await startServer(["--static", dist, "--tls-cert", cert, "--tls-key", key]);
  plain = await startServer(["--static", dist]);
  browser = await launchChromium([`--host-resolver-rules=MAP ${remoteName} 127.0.0.1`]);
});

after(async () => {
  await browser?.close();
  await secure?.kill();
  await plain?.kill();
  rmSync(work, { recursive: true, force: true });
});

/** Opens `appUrl` as `nick` with `url` as the chat server's address. The certificate is the
 * test's own, which no browser trusts: the context accepts it, as a person would by clicking
 * through the warning (or a team by trusting its own CA). */
async function open(appUrl, nick, url) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`${appUrl}?nick=${nick}&url=${encodeURIComponent(url)}`);
  return { context, page, errors };
}

async function untilOpen(page) {
  try {
    await readyState(page, "open").waitFor({ timeout });
  } catch (e) {
    throw new Error(`${e.message}\nat ${page.url()} the page said: ${await page.locator("body").innerText()}`);
  }
}

function delivered(page, text) {
  return page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: text });
}

function chat(page, nick, text) {
  return page.locator(`[data-testid="message"][data-kind="chat"][data-nick="${nick}"]`, { hasText: text });
}

test("an https page and an http page chat through wss://", async () => {
  const room = `wss-${Date.now()}`;
  const wss = `wss://${secure.addr}/ws?room=${room}`;
  const alice = await open(`https://${secure.addr}/`, "alice", wss);
  const bob = await open(`http://${plain.addr}/`, "bob", wss);
  await untilOpen(alice.page);
  await untilOpen(bob.page);
  assert.equal(await alice.page.evaluate(() => location.protocol + isSecureContext), "https:true");

  await send(alice.page, "hello over TLS");
  await delivered(alice.page, "hello over TLS").waitFor({ timeout });
  await chat(bob.page, "alice", "hello over TLS").waitFor({ timeout });
  await send(bob.page, "from an http page, still wss");
  await delivered(bob.page, "from an http page, still wss").waitFor({ timeout });
  await chat(alice.page, "bob", "from an http page, still wss").waitFor({ timeout });

  assert.equal(await alice.page.getByTestId("error").count(), 0, "no error line");
  assert.deepEqual(alice.errors, [], "no page errors");
  assert.deepEqual(bob.errors, [], "no page errors");
  await alice.context.close();
  await bob.context.close();
});

test("an https page asked for ws:// explains the browser's refusal and names the wss:// address", async () => {
  const room = `mixed-${Date.now()}`;
  const port = secure.addr.split(":").pop();
  const insecure = `ws://${remoteName}:${port}/ws?room=${room}`;
  const { context, page, errors } = await open(`https://${secure.addr}/`, "carol", insecure);
  const error = page.getByTestId("error");
  await error.waitFor({ timeout });
  const said = await error.textContent();
  assert.match(said, /^This page was loaded over HTTPS, so the browser refuses the unencrypted connection to /);
  assert.ok(said.includes(insecure), `names the refused address: ${said}`);
  const suggested = `wss://${remoteName}:${port}/ws?room=${room}`;
  assert.ok(said.includes(`Connect to ${suggested} instead`), `names the wss:// address: ${said}`);
  assert.notEqual(await readyState(page, "open").count(), 1, "not connected");
  assert.deepEqual(errors, [], "no page errors");
  await context.close();

  // The address it names works: same name, same port, the server's TLS.
  const retried = await open(`https://${secure.addr}/`, "carol", suggested);
  await untilOpen(retried.page);
  await send(retried.page, "now over wss");
  await delivered(retried.page, "now over wss").waitFor({ timeout });
  assert.equal(await retried.page.getByTestId("error").count(), 0, "no error line");
  await retried.context.close();
});

test("an https page may still use ws:// to its own machine (loopback is exempt from mixed content)", async () => {
  // What Chromium does, and the reason the app never refuses ws:// itself: only the browser
  // knows which addresses it lets through.
  const room = `loopback-${Date.now()}`;
  const { context, page, errors } = await open(`https://${secure.addr}/`, "dave", `ws://${plain.addr}/ws?room=${room}`);
  await untilOpen(page);
  await send(page, "plain ws to 127.0.0.1");
  await delivered(page, "plain ws to 127.0.0.1").waitFor({ timeout });
  assert.deepEqual(errors, [], "no page errors");
  await context.close();
});
