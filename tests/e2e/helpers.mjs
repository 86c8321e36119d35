// Shared by the end-to-end tests: the reference server as a child process, and a browser.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const timeout = 15_000;

/** Starts target/release/wschat-server with `args` and its test modes (/flood, /close, …) on;
 * resolves once it says where it listens. */
export async function startServer(args, addr = "127.0.0.1:0") {
  const bin = process.env.WSCHAT_SERVER_BIN || path.join(root, "target/release/wschat-server");
  const proc = spawn(bin, ["--addr", addr, "--test-modes", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const listening = new Promise((resolve, reject) => {
    proc.stderr.on("data", (chunk) => {
      log += chunk;
      // Wait for the whole line: output can arrive cut anywhere, even inside the address.
      const match = /listening on (\S+)\r?\n/.exec(log);
      if (match) resolve(match[1]);
    });
    proc.on("exit", (code) => reject(new Error(`server exited with ${code} before listening:\n${log}`)));
  });
  const at = await listening;
  return {
    proc,
    addr: at,
    log: () => log,
    /** SIGKILL: the server vanishes without closing anything, like a crash. */
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await once(proc, "exit");
      }
    },
  };
}

/** Registers before/after hooks that launch Chromium once for the file and close it. */
export function sharedBrowser() {
  const shared = {};
  before(async () => {
    shared.browser = await launchChromium();
  });
  after(async () => {
    await shared.browser?.close();
  });
  return shared;
}

/** Registers before/after hooks that launch Chromium and a reference server serving the release
 * build (`WSCHAT_DIST`, else `dist/`) once for the file: `shared.browser`, `shared.app`. The app
 * server stays up while the chat servers a test starts come and go. */
export function sharedBrowserAndApp() {
  const shared = {};
  before(async () => {
    shared.browser = await launchChromium();
    shared.app = await startServer(["--static", process.env.WSCHAT_DIST || path.join(root, "dist")]);
  });
  after(async () => {
    await shared.browser?.close();
    await shared.app?.kill();
  });
  return shared;
}

/** What a reference server started with `--record FILE` received in `room`, one text per
 * message (the record escapes line breaks and backslashes). */
export function recorded(file, room) {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith(`${room}\t`))
    .map((line) => line.slice(room.length + 1).replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c)));
}

/** A page init script: keeps hold of the wasm module's memory as `window.__wasmMemory`, and its
 * exports as `window.__wasmExports`. Only the main module has them: the formats' modules, also
 * instantiated here, take its memory as an import. */
export function keepWasmMemory() {
  const instantiate = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = async (...args) => {
    const result = await instantiate.apply(WebAssembly, args);
    if (result.instance.exports.memory) {
      window.__wasmMemory = result.instance.exports.memory;
      window.__wasmExports = result.instance.exports;
    }
    return result;
  };
}

/** The size of the page's wasm memory in bytes, and the deepest address its stack reached: the
 * stack sits at the start of linear memory and grows down towards address 0 (Rust's layout
 * for wasm, its size set in build.rs), so the first byte ever written is its deepest
 * point. Needs `keepWasmMemory` installed before the page loaded. */
export function wasmMemory(page) {
  return page.evaluate(() => {
    const buffer = window.__wasmMemory.buffer;
    return { bytes: buffer.byteLength, deepestStackAddress: new Uint8Array(buffer).findIndex((b) => b !== 0) };
  });
}

/** Launches headless Chromium; `extraArgs` go on its command line after the usual ones. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", ...extraArgs],
  });
}

/** Types `text` in the composer and presses Enter. */
export async function send(page, text) {
  const input = page.getByTestId("composer-input");
  await input.fill(text);
  await input.press("Enter");
}

/** Types `text` as a person would, Shift+Enter between its lines, and presses Enter. */
export async function sendLines(page, text) {
  const [first, ...more] = text.split("\n");
  const input = page.getByTestId("composer-input");
  await input.fill(first);
  for (const line of more) {
    await input.press("Shift+Enter");
    await page.keyboard.insertText(line);
  }
  if ((await input.inputValue()) !== text) throw new Error(`the composer holds ${JSON.stringify(await input.inputValue())}`);
  await input.press("Enter");
}

/** Markup characters, quotes, a line break and an emoji, and over 127 bytes in all (MQTT's
 * remaining length takes two bytes): each `tag` gives a different one. */
export const awkward = (tag) => `<&>"' : \n 😀 ${tag} ` + "0123456789".repeat(30);

/** Waits until a chat entry by `nick` holds exactly `text` (its `message-text`'s textContent). */
export async function untilChatText(page, nick, text) {
  const selector = `[data-testid="message"][data-kind="chat"][data-nick="${nick}"] [data-testid="message-text"]`;
  try {
    await page.waitForFunction(
      ([selector, text]) => [...document.querySelectorAll(selector)].some((n) => n.textContent === text),
      [selector, text],
      { timeout },
    );
  } catch (e) {
    const seen = await page.locator(selector).allTextContents();
    throw new Error(`no entry by ${nick} reads ${JSON.stringify(text)}; there are ${JSON.stringify(seen)}: ${e.message}`);
  }
}

export function readyState(page, state) {
  return page.locator(`[data-testid="connection-status"][data-ready-state="${state}"]`);
}

/** The statuses of the own messages whose text is in `texts`, in page order. */
export async function ownStatuses(page) {
  return page.locator('[data-testid="message"][data-kind="own"]').evaluateAll((nodes) =>
    nodes.map((n) => [n.querySelector('[data-testid="message-text"]').textContent, n.getAttribute("data-status")]),
  );
}

/** Waits until every own message on the page has `status` and there are `count` of them. */
export async function untilOwn(page, count, status, ms = 60_000) {
  try {
    await page.waitForFunction(
      ([count, status]) => {
        const own = [...document.querySelectorAll('[data-testid="message"][data-kind="own"]')];
        return own.length === count && own.every((n) => n.getAttribute("data-status") === status);
      },
      [count, status],
      { timeout: ms },
    );
  } catch (e) {
    const had = await ownStatuses(page).catch(() => "unknown");
    throw new Error(`${e.message}\nwanted ${count} own messages ${status}; had ${JSON.stringify(had)}`);
  }
}

/** A free TCP port on loopback (for servers that need one named up front). */
export async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a peer process and resolves once its output matches `ready`; kill() stops it. */
export async function startProcess(command, args, ready) {
  // Its own process group: a hard kill reaches the whole server (RabbitMQ's Erlang VM is a
  // child of its start script).
  const proc = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const started = new Promise((resolve, reject) => {
    const look = (chunk) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) resolve(match);
    };
    proc.stdout.on("data", look);
    proc.stderr.on("data", look);
    proc.on("exit", (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
  });
  const match = await started;
  return {
    match,
    output: () => output,
    kill: () => stop("SIGTERM"),
    /** As a crash or a power cut would: no chance to save or say goodbye. */
    killHard: () => stop("SIGKILL", true),
  };
  async function stop(signal, group = false) {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = once(proc, "exit");
      if (group) process.kill(-proc.pid, signal);
      else proc.kill(signal);
      await exited;
    }
  }
}

/** Starts Debian's InspIRCd (tests/peers/inspircd/run.sh) in a fresh folder on a free loopback
 * port: its WebSocket `url`, and `kill()`. */
export async function startInspircd() {
  const port = await freePort();
  const work = mkdtempSync(path.join(tmpdir(), "wschat-ircd-"));
  const ircd = await startProcess("tests/peers/inspircd/run.sh", [String(port), work], /is now running/);
  return { url: `ws://127.0.0.1:${port}/`, kill: () => ircd.kill() };
}

/** Starts Debian's Mosquitto (tests/peers/mosquitto/run.sh) on free loopback ports, in a
 * fresh folder, anonymous or with the one account `login` ({ user, password }); `again`, the
 * result of an earlier start, starts that broker again where it was, with what it saved:
 * { url, kill() } (kill stops it as SIGTERM does, saving its sessions). */
export async function startMosquitto({ login = null, again = null } = {}) {
  const port = again?.port ?? (await freePort());
  const plain = again?.plain ?? (await freePort());
  const work = again?.work ?? mkdtempSync(path.join(tmpdir(), "wschat-mqtt-"));
  const account = login ? [login.user, login.password] : [];
  const broker = await startProcess("tests/peers/mosquitto/run.sh", [String(port), String(plain), work, ...account], /running/);
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    plain,
    work,
    kill: () => broker.kill(),
    killHard: () => broker.killHard(),
    /** Resolves once the broker has saved its sessions to disk after `sinceMs` (it saves every
     * second), so that a hard kill keeps what it knew then. */
    async savedAfter(sinceMs) {
      const db = path.join(work, "mosquitto.db");
      while (!(existsSync(db) && statSync(db).mtimeMs > sinceMs)) await new Promise((r) => setTimeout(r, 100));
    },
  };
}

/** Starts Debian's RabbitMQ (tests/peers/rabbitmq/run.sh) as a private node with Web STOMP on a
 * free loopback port, and Web MQTT (3.1.1 only) on another with `mqtt`; `again`, the result of
 * an earlier start, starts that node again with its data (durable queues):
 * { url (`ws://127.0.0.1:PORT/ws`), mqttUrl, kill(), killHard() }. */
export async function startRabbitmq({ again = null, mqtt = false } = {}) {
  const ports = again?.ports ?? [await freePort(), await freePort(), await freePort(), ...(mqtt ? [await freePort()] : [])];
  const work = again?.work ?? mkdtempSync(path.join(tmpdir(), "wschat-rabbitmq-"));
  const args = [...ports.slice(0, 3).map(String), work, ...ports.slice(3).map(String)];
  const node = await startProcess("tests/peers/rabbitmq/run.sh", args, /Server startup complete/);
  const mqttUrl = ports[3] ? `ws://127.0.0.1:${ports[3]}/ws` : null;
  return { url: `ws://127.0.0.1:${ports[0]}/ws`, mqttUrl, ports, work, kill: () => node.kill(), killHard: () => node.killHard() };
}

/** Starts Debian's Prosody (tests/peers/prosody/run.sh) on a free loopback port, with the users
 * ada and bob (password `password`) and stream management unless `streamManagement` is false;
 * `again`, the result of an earlier start, starts that server again on its port and folder:
 * { url (`ws://localhost:PORT/xmpp-websocket`), anonUrl (the same on the host anon.localhost,
 * for anonymous logins), kill(), killHard() }. */
export async function startProsody(password, { streamManagement = true, again = null } = {}) {
  const port = again?.port ?? (await freePort());
  const work = again?.work ?? mkdtempSync(path.join(tmpdir(), "wschat-prosody-"));
  const args = [String(port), work, password, ...(streamManagement ? [] : ["no-sm"])];
  const server = await startProcess("tests/peers/prosody/run.sh", args, /Serving 'websocket'/);
  return {
    url: `ws://localhost:${port}/xmpp-websocket`,
    anonUrl: `ws://anon.localhost:${port}/xmpp-websocket`,
    port,
    work,
    kill: () => server.kill(),
    killHard: () => server.killHard(),
  };
}

/** Collects what a peer client receives and waits for a message matching a predicate. */
export class Inbox {
  constructor() {
    this.items = [];
    this.waiters = [];
  }
  push(item) {
    this.items.push(item);
    const waiting = [];
    for (const waiter of this.waiters) {
      if (waiter.test(item)) waiter.resolve(item);
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }
  waitFor(test, what, ms = timeout) {
    const found = this.items.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`peer did not receive ${what} within ${ms} ms; got ${JSON.stringify(this.items)}`)),
        ms,
      );
      this.waiters.push({ test, resolve: (item) => (clearTimeout(timer), resolve(item)) });
    });
  }
}

/** Opens the app at `appUrl` with the given query parameters and waits until it is open. */
export async function openApp(browser, appUrl, params) {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`${appUrl}?${new URLSearchParams(params)}`);
  await readyState(page, "open").waitFor({ timeout });
  return { page, errors };
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function axeScan(page) {
  await page.evaluate(readFileSync(path.join(root, "node_modules/axe-core/axe.min.js"), "utf8"));
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** The entry of `kind` by `nick` whose text is exactly `text`. */
export function entry(page, kind, nick, text) {
  return page
    .locator(`[data-testid="message"][data-kind="${kind}"][data-nick="${nick}"]`)
    .filter({ has: page.locator('[data-testid="message-text"]').getByText(text, { exact: true }) });
}

/** The conversation-list entry named `name`. */
export const conversation = (page, name) => page.locator(`[data-testid="conversation"][data-name="${name}"]`);

/** Waits until conversation `name` is joined (the list no longer marks it as not joined). */
export const untilJoined = (page, name) => conversation(page, name).and(page.locator(":not(.parted)")).waitFor({ timeout });

/** The app at `appUrl` with `params`, closed after test `t`, once each conversation of
 * `names` is joined. */
export async function openJoined(t, browser, appUrl, params, names) {
  const { page, errors } = await openApp(browser, appUrl, params);
  t.after(() => page.context().close());
  for (const name of names) await untilJoined(page, name);
  return { page, errors };
}

/** A broker's outage while five messages are typed: `stop` it once "before" has reached the
 * other person (whose `inbox` holds { text } of JSON chat bodies) and been delivered, type five
 * (each shown pending), `start` it again; then each of the five has arrived once, in order, and
 * been delivered. Returns the texts the other person received after "before", up to a last
 * message sent after the five, which it checks came next and alone. */
export async function fiveDuringOutage(page, inbox, stop, start, ms) {
  const chatText = (m) => {
    try {
      return JSON.parse(m.text).text;
    } catch {
      return m.text;
    }
  };
  await send(page, "before");
  await inbox.waitFor((m) => chatText(m) === "before", "the first message");
  // Delivered: the page has nothing of its own to send again.
  await untilOwn(page, 1, "delivered");
  await stop();
  await page.locator('[data-testid="connection-status"]:not([data-ready-state="open"])').waitFor({ timeout });
  for (let i = 1; i <= 5; i++) await send(page, `during ${i}`);
  const statuses = (await ownStatuses(page)).slice(1).map(([, status]) => status);
  if (statuses.some((s) => s !== "pending")) throw new Error(`typed during the outage: ${statuses}`);
  await start();
  await untilOwn(page, 6, "delivered", ms);
  // A marker after the five: once it is in, a second copy of any of them would be too.
  const marker = "after the outage";
  await send(page, marker);
  await untilOwn(page, 7, "delivered", ms);
  await inbox.waitFor((m) => chatText(m) === marker, "the message after the five", ms);
  const texts = inbox.items.map(chatText);
  const received = texts.slice(texts.indexOf("before") + 1);
  assert.deepEqual(received, ["during 1", "during 2", "during 3", "during 4", "during 5", marker], "after \"before\": the five once each, in order, then the marker");
  return received.slice(0, -1);
}

/** The records of an inspector export, parsed; `afterOpen` = n keeps those after the nth
 * "readyState open" (1-based), failing if there were fewer opens. */
export function exportedRecords(exported, afterOpen = 0) {
  const records = exported.trim().split("\n").map((line) => JSON.parse(line));
  if (!afterOpen) return records;
  const opens = records.flatMap((r, i) => (r.event?.startsWith("readyState open") ? [i] : []));
  assert.ok(opens.length >= afterOpen, `${afterOpen} opens recorded, got ${opens.length}`);
  return records.slice(opens[afterOpen - 1] + 1);
}

/** The inspector's export (JSON Lines) as text: opens the inspector if it is closed. */
export async function inspectorExport(page) {
  if (!(await page.getByTestId("inspector").count())) await page.getByTestId("inspector-toggle").click();
  const download = page.waitForEvent("download");
  await page.getByTestId("inspector-export").click();
  return readFileSync(await (await download).path(), "utf8");
}

/** Asserts `secret` is nowhere a person, a script of the page or an export could find it: the
 * page's whole HTML (attributes and links too), localStorage and sessionStorage (keys and
 * values), and the inspector's export, as text, as hex and in the `encoded` forms given (a SASL
 * blob). Returns the export, for the caller to check that the frame was recorded masked. */
export async function assertSecretHidden(page, secret, encoded = []) {
  const forms = [secret, Buffer.from(secret).toString("hex"), ...encoded];
  const exported = await inspectorExport(page);
  const html = await page.content();
  const stored = await page.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]));
  for (const form of forms) {
    assert.ok(!html.includes(form), `${form} is in the page: …${html.slice(Math.max(0, html.indexOf(form) - 300), html.indexOf(form) + 100)}…`);
    assert.ok(!stored.includes(form), `${form} is in storage`);
    assert.ok(!exported.includes(form), `${form} is in the inspector's export`);
  }
  return exported;
}

/** The out frames of an inspector export, parsed. */
export const sentFrames = (exported) =>
  exported.trim().split("\n").map((line) => JSON.parse(line)).filter((record) => record.direction === "out");

/** Asserts the refused login was not tried again: the socket closed and no reconnect scheduled
 * (one is shown in `reconnect-info` the moment the close is handled). */
export async function assertNotRetried(page) {
  await page.locator('[data-testid="connection-status"][data-ready-state="closed"]').waitFor({ timeout });
  assert.equal(await page.getByTestId("reconnect-info").count(), 0, "a refused login is not tried again");
  assert.match(await page.getByTestId("error").textContent(), /Not reconnecting/);
}

/** Every line the page's stored history holds (IndexedDB "wschat-history"), its records as
 * one JSON text: what a script of the page could read. */
export function storedHistory(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("wschat-history");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("pages")) return resolve((db.close(), "[]"));
          const all = db.transaction("pages").objectStore("pages").getAll();
          all.onerror = () => reject(all.error);
          all.onsuccess = () => resolve((db.close(), JSON.stringify(all.result)));
        };
      }),
  );
}

/**
 * Holds the page's fetches of `glob` until `release()`: `asked` settles when the first is made
 * (a module on its way while the test acts).
 */
export async function holdRoute(page, glob) {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  let wasAsked;
  const asked = new Promise((resolve) => (wasAsked = resolve));
  await page.route(glob, async (route) => {
    wasAsked();
    await held;
    await route.continue();
  });
  return { asked, release };
}

/** Searches the stored history for `term` and clicks the hit that says `text`. */
export async function openHit(page, term, text) {
  await page.getByTestId("search-button").click();
  await page.getByTestId("search-input").fill(term);
  await page.getByTestId("search-input").press("Enter");
  await page.getByTestId("search-result").filter({ hasText: text }).click();
}

/** Waits until the row whose text is `text` is wholly inside the shown list's view. */
export const untilInView = (page, text) =>
  page.waitForFunction(
    (text) => {
      const list = document.querySelector('[data-testid="message-list"]');
      const shown = [...list.querySelectorAll('[data-testid="message-text"]')].find((t) => t.textContent === text);
      if (!shown) return false;
      const [row, view] = [shown.getBoundingClientRect(), list.getBoundingClientRect()];
      return row.top >= view.top && row.bottom <= view.bottom;
    },
    text,
    { timeout },
  );

/** Waits until the stored history holds `text` (no event tells a test that a write landed, so
 * the store is read again each frame); returns what it holds then. */
export async function untilStored(page, text) {
  const until = Date.now() + timeout;
  for (;;) {
    const stored = await storedHistory(page);
    if (stored.includes(text)) return stored;
    if (Date.now() > until) assert.fail(`"${text}" was never stored; the store holds ${stored.slice(0, 2000)}`);
    await page.evaluate(() => new Promise(requestAnimationFrame));
  }
}

/** Scrolls the shown list to its top until its first text that `wanted` accepts is `first`
 * (older lines come from the store, then the server, as the top is reached), at most `rounds`
 * times; each round waits until the first such text changes, and the last changed nothing. */
export async function scrollToFirst(page, wanted, first, rounds = 10) {
  const firstShown = () =>
    page.locator('[data-testid="message-list"]:visible [data-testid="message-text"]').evaluateAll(
      (texts, source) => texts.map((t) => t.textContent).find((text) => new RegExp(source).test(text)),
      wanted.source,
    );
  for (let round = 0; round < rounds && (await firstShown()) !== first; round++) {
    const before = await firstShown();
    await page.locator('[data-testid="message-list"]:visible').evaluate(
      (list) => new Promise((resolve) => (list.addEventListener("scroll", resolve, { once: true }), list.scrollTo(0, 0), list.scrollTop === 0 && list.dispatchEvent(new Event("scroll")))),
    );
    const moved = await page
      .waitForFunction(
        ({ before, source }) =>
          [...document.querySelectorAll('[data-testid="message-list"] [data-testid="message-text"]')]
            .map((t) => t.textContent)
            .find((text) => new RegExp(source).test(text)) !== before,
        { before, source: wanted.source },
        { timeout },
      )
      .then(() => true, () => false);
    if (!moved) break;
  }
  return firstShown();
}

/** The texts of the shown message list that `wanted` accepts, top to bottom, read a half
 * screen at a time (only a window of rows is in the document). A text seen in the last
 * screens is the same row; a line shown twice would come again far from the first. */
export async function walkList(page, wanted) {
  const list = page.locator('[data-testid="message-list"]:visible');
  const order = [];
  for (let y = 0; ; ) {
    await list.evaluate((el, y) => el.scrollTo(0, y), y);
    await page.evaluate(() => new Promise(requestAnimationFrame));
    const seen = await list.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return {
        texts: [...el.querySelectorAll('[data-testid="message-text"]')]
          .filter((t) => t.getBoundingClientRect().bottom > box.top && t.getBoundingClientRect().top < box.bottom)
          .map((t) => t.textContent),
        end: el.scrollTop + el.clientHeight >= el.scrollHeight - 1,
        step: Math.floor(el.clientHeight / 2),
      };
    });
    for (const text of seen.texts.filter(wanted)) if (!order.slice(-60).includes(text)) order.push(text);
    if (seen.end) return order;
    y += seen.step;
  }
}

/** Another tab of the app at `origin` that holds the store's pages with a transaction kept busy,
 * so that no read or write of the app's can complete until `window.letGo` is set in it; the tab. */
export async function holdStoreBusy(context, origin) {
  const holder = await context.newPage();
  await holder.goto(`${origin}/manifest.webmanifest`);
  await holder.evaluate(
    () =>
      new Promise((held) => {
        indexedDB.open("wschat-history").onsuccess = (opened) => {
          const pages = opened.target.result.transaction("pages", "readwrite").objectStore("pages");
          const spin = () => {
            if (window.letGo) return;
            pages.count().onsuccess = spin;
            held();
          };
          spin();
        };
      }),
  );
  return holder;
}
