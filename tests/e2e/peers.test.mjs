// "Connects to any compatible chat server": the release build against chat servers nobody
// here wrote (npm ws, Express with express-ws, Python websockets speaking other JSON, the two
// Socket.IO chat shapes, Debian's InspIRCd), each checked both ways: our client sees what
// another client sends, and the other client sees ours.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { io as socketIo } from "socket.io-client";
import { ircBot } from "../peers/irc-bot.mjs";
import { entry, Inbox, openApp, send, sharedBrowser, startInspircd, startProcess, timeout } from "./helpers.mjs";

const appUrl = process.env.WSCHAT_APP_URL;
assert.ok(appUrl, "WSCHAT_APP_URL must point at the served release build");
const shared = sharedBrowser();

// The whole line, newline included: output can arrive cut anywhere, even inside the address.
const listening = /listening on (\S+)\r?\n/;

/** A `ws` client that records every text message. */
function wsPeer(url) {
  const inbox = new Inbox();
  const ws = new WebSocket(url);
  ws.on("message", (data) => inbox.push(String(data)));
  return new Promise((resolve, reject) => {
    ws.on("open", () => resolve({ ws, inbox }));
    ws.on("error", reject);
  });
}

async function plainTextRoundTrip(url) {
  const { page, errors } = await openApp(shared.browser, appUrl, { nick: "wendy", url });
  const other = await wsPeer(url);
  other.ws.send("otto: hello from otto");
  await entry(page, "chat", "otto", "hello from otto").waitFor({ timeout });
  await send(page, "hello from wendy");
  await other.inbox.waitFor((m) => m === "wendy: hello from wendy", "wendy's message");
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor({ timeout });
  other.ws.close();
  assert.deepEqual(errors, []);
}

test("plain text: a broadcast server on the npm ws package", async () => {
  const server = await startProcess("node", ["tests/peers/ws-broadcast.mjs", "0"], listening);
  try {
    await plainTextRoundTrip(`ws://${server.match[1]}/`);
  } finally {
    await server.kill();
  }
});

test("plain text: Express with express-ws", async () => {
  const server = await startProcess("node", ["tests/peers/express-ws.mjs", "0"], listening);
  try {
    await plainTextRoundTrip(`ws://${server.match[1]}/chat`);
  } finally {
    await server.kill();
  }
});

test("JSON: a Python websockets server with its own field names, through an edited template", async () => {
  const server = await startProcess(process.env.WSCHAT_PYTHON || ".venv/bin/python", ["tests/peers/json_server.py", "0"], listening);
  try {
    const url = `ws://${server.match[1]}/`;
    const template = '{"username": <nick>, "body": <text>}';
    const { page, errors } = await openApp(shared.browser, appUrl, { nick: "wendy", url, protocol: "json", template });
    const other = await wsPeer(url);
    other.ws.send(JSON.stringify({ username: "otto", body: "hello from otto" }));
    await entry(page, "chat", "otto", "hello from otto").waitFor({ timeout });
    await page.locator('[data-testid="user-list"] [data-testid="user"]', { hasText: "otto" }).waitFor({ timeout });
    await send(page, "hello from wendy");
    const seen = await other.inbox.waitFor((m) => m.includes("hello from wendy"), "wendy's message");
    assert.equal(JSON.parse(seen).sender.name, "wendy");
    await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor({ timeout });
    other.ws.close();
    assert.deepEqual(errors, []);
  } finally {
    await server.kill();
  }
});

test("Socket.IO: the tutorial's chat message server", async () => {
  const server = await startProcess("node", ["tests/peers/socketio-tutorial.mjs", "0"], listening);
  try {
    const { page, errors } = await openApp(shared.browser, appUrl, { nick: "wendy", url: `ws://${server.match[1]}`, protocol: "socketio" });
    await page.getByText("Ready to chat.").waitFor({ timeout });
    const inbox = new Inbox();
    const other = socketIo(`http://${server.match[1]}`, { transports: ["websocket"] });
    other.on("chat message", (m) => inbox.push(m));
    await new Promise((resolve) => other.on("connect", resolve));
    other.emit("chat message", "otto: hello from otto");
    await entry(page, "chat", "otto", "hello from otto").waitFor({ timeout });
    await send(page, "hello from wendy");
    await inbox.waitFor((m) => m === "wendy: hello from wendy", "wendy's message");
    await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor({ timeout });
    other.close();
    assert.deepEqual(errors, []);
  } finally {
    await server.kill();
  }
});

test("Socket.IO: a server that acknowledges own messages instead of echoing them", async () => {
  const server = await startProcess("node", ["tests/peers/socketio-acks.mjs", "0"], listening);
  try {
    const { page, errors } = await openApp(shared.browser, appUrl, { nick: "wendy", url: `ws://${server.match[1]}`, protocol: "socketio" });
    await page.getByText("Ready to chat.").waitFor({ timeout });
    const inbox = new Inbox();
    const other = socketIo(`http://${server.match[1]}`, { transports: ["websocket"] });
    other.on("chat message", (m) => inbox.push(m));
    await new Promise((resolve) => other.on("connect", resolve));
    await send(page, "hello from wendy");
    await inbox.waitFor((m) => m === "wendy: hello from wendy", "wendy's message");
    // No echo: the acknowledgement, naming the message, marks it delivered, and it is shown once.
    await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor({ timeout });
    assert.equal(await page.locator('[data-testid="message"][data-kind="chat"]').count(), 0);
    other.close();
    assert.deepEqual(errors, []);
  } finally {
    await server.kill();
  }
});

test("Socket.IO: the chat example (add user, new message, user joined, no echo)", async () => {
  const server = await startProcess("node", ["tests/peers/socketio-chat.mjs", "0"], listening);
  try {
    const { page, errors } = await openApp(shared.browser, appUrl, { nick: "wendy", url: `ws://${server.match[1]}`, protocol: "socketio" });
    await page.getByText("1 participant", { exact: true }).waitFor({ timeout });
    const inbox = new Inbox();
    const other = socketIo(`http://${server.match[1]}`, { transports: ["websocket"] });
    other.on("new message", (m) => inbox.push(m));
    await new Promise((resolve) => other.on("connect", resolve));
    other.emit("add user", "otto");
    await page.getByText("otto joined; 2 participants").waitFor({ timeout });
    await page.locator('[data-testid="user-list"] [data-testid="user"]', { hasText: "otto" }).waitFor({ timeout });
    other.emit("new message", "hello from otto");
    await entry(page, "chat", "otto", "hello from otto").waitFor({ timeout });
    await send(page, "hello from wendy");
    const seen = await inbox.waitFor((m) => m.message === "hello from wendy", "wendy's message");
    assert.equal(seen.username, "wendy");
    // No echo in this shape: the message is shown locally and stays "sent".
    await page.locator('[data-testid="message"][data-kind="own"][data-status="sent"]').waitFor({ timeout });
    other.close();
    await page.getByText("otto left; 1 participant").waitFor({ timeout });
    assert.deepEqual(errors, []);
  } finally {
    await server.kill();
  }
});

test("IRC: Debian's InspIRCd over WebSocket, with a second IRC client in the channel", async () => {
  const ircd = await startInspircd();
  try {
    const url = ircd.url;
    const inbox = new Inbox();
    const bot = await ircBot(url, "otto", "#chat", inbox);
    // The client offers IRCv3's subprotocols and InspIRCd's own text.inspircd.org beside them:
    // InspIRCd 3 knows only its own names, and takes that one. No click, no error.
    const page = await (await shared.browser.newContext()).newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(`${appUrl}?${new URLSearchParams({ nick: "wendy", url, protocol: "irc", channel: "#chat" })}`);
    await page.getByText("Ready to chat.").waitFor({ timeout });
    assert.equal(await page.getByTestId("negotiated-protocol").textContent(), "text.inspircd.org");
    assert.equal(await page.getByTestId("retry-without-subprotocols-button").count(), 0);
    const error = page.getByTestId("error");
    assert.equal((await error.count()) ? await error.textContent() : "", "", "nothing went wrong on the way");
    for (const nick of ["otto", "wendy"]) {
      await page.locator('[data-testid="user-list"] [data-testid="user"]', { hasText: nick }).waitFor({ timeout });
    }
    bot.say("hello from otto");
    await entry(page, "chat", "otto", "hello from otto").waitFor({ timeout });
    await send(page, "hello from wendy");
    await inbox.waitFor((m) => m.from === "wendy" && m.text === "hello from wendy", "wendy's PRIVMSG");
    // echo-message: the server's echo confirms delivery.
    await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor({ timeout });
    await send(page, "/me waves");
    await inbox.waitFor((m) => m.from === "wendy" && m.text === "\u0001ACTION waves\u0001", "wendy's action");
    bot.close();
    await page.getByText(/otto quit/).waitFor({ timeout });
    assert.deepEqual(errors, []);
  } finally {
    await ircd.kill();
  }
});

test("IRC: subprotocols the person chose, that InspIRCd refuses, stop to ask", async () => {
  const ircd = await startInspircd();
  try {
    const url = ircd.url;
    const page = await (await shared.browser.newContext()).newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    const query = { nick: "wendy", url, protocol: "irc", channel: "#chat", subprotocols: "binary.ircv3.net" };
    await page.goto(`${appUrl}?${new URLSearchParams(query)}`);
    // Chromium fails the connection (InspIRCd 3 chooses none): the client says why and waits.
    const retry = page.getByTestId("retry-without-subprotocols-button");
    await retry.waitFor({ timeout });
    assert.match(await page.getByTestId("error").textContent(), /accepts none of the offered subprotocols \(binary\.ircv3\.net\)/);
    await retry.click();
    await page.getByText("Ready to chat.").waitFor({ timeout });
    assert.equal(await page.getByTestId("negotiated-protocol").textContent(), "");
    assert.deepEqual(errors, []);
  } finally {
    await ircd.kill();
  }
});
