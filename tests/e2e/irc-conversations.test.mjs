// Several IRC conversations on one connection, against Debian's InspIRCd with other IRC clients
// beside the page: the channels named in `channel` listed with the server's conversation and the
// first shown; unread counts; private conversations opened from either side; the MOTD in the
// server's conversation; /join and /part; a user list per channel; NICK and QUIT shown in the
// channels of the person who changed nick or quit, and only there.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import {
  assertSecretHidden,
  axeScan,
  Inbox,
  openApp,
  send,
  sharedBrowserAndApp,
  startInspircd,
  untilStored,
  timeout,
} from "./helpers.mjs";

const shared = sharedBrowserAndApp();
/** The page's nick. */
const nick = "wendy";
/** A line of the MOTD tests/peers/inspircd/run.sh writes. */
const motdLine = "Be kind to the test bots.";

/** One IRC line as { from (a nick, or the server's name), command, params }, tags dropped. */
function parseLine(line) {
  let rest = line.replace(/^@\S+ /, "");
  let from = "";
  if (rest.startsWith(":")) {
    const space = rest.indexOf(" ");
    from = rest.slice(1, space).split("!")[0];
    rest = rest.slice(space + 1);
  }
  const trailing = rest.indexOf(" :");
  const params = (trailing >= 0 ? rest.slice(0, trailing) : rest).split(" ").filter(Boolean);
  if (trailing >= 0) params.push(rest.slice(trailing + 2));
  return { from, command: params.shift(), params };
}

/** Another IRC client, over WebSocket (all InspIRCd listens for here), registered as `name`:
 * answers PING and keeps every line it receives. */
function ircPeer(url, name) {
  const inbox = new Inbox();
  // InspIRCd answers 400 to a WebSocket handshake without an Origin, as browsers always send one.
  const ws = new WebSocket(url, { origin: "http://127.0.0.1" });
  const raw = (line) => ws.send(`${line}\r\n`);
  const peer = {
    raw,
    say: (target, text) => raw(`PRIVMSG ${target} :${text}`),
    /** Waits until this client has received `command` from `from`, its first params `params`. */
    sees: (from, command, ...params) =>
      inbox.waitFor(
        (m) => m.from === from && m.command === command && params.every((p, i) => m.params[i] === p),
        `${from} ${command} ${params.join(" ")}`,
      ),
    /** Joins `channels`, one after the other, each once the server says it is in. */
    async join(...channels) {
      for (const channel of channels) {
        raw(`JOIN ${channel}`);
        await peer.sees(name, "JOIN", channel);
      }
    },
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.on("error", reject);
    ws.on("open", () => {
      raw(`NICK ${name}`);
      raw(`USER ${name} 0 * :${name}`);
    });
    ws.on("message", (data) => {
      for (const line of String(data).split(/\r?\n/).filter(Boolean)) {
        const message = parseLine(line);
        if (message.command === "PING") raw(`PONG :${message.params[0]}`);
        if (message.command === "001") resolve(peer);
        inbox.push(message);
      }
    });
  });
}

/** A fresh InspIRCd; the other clients (`others`: nick → channels), each already in its channels
 * (the first to join a channel is its operator); then the page, as wendy, told to join
 * `channels`. Resolves once every other client has seen the page join the channels it shares
 * with it: the page is registered and in them. */
async function setUp(t, channels, others) {
  const ircd = await startInspircd();
  t.after(() => ircd.kill());
  const peers = {};
  for (const [name, theirs] of Object.entries(others)) {
    peers[name] = await ircPeer(ircd.url, name);
    t.after(() => peers[name].close());
    await peers[name].join(...theirs);
  }
  const params = { protocol: "irc", channel: channels.join(","), connect: "1", nick, url: ircd.url };
  const { page, errors } = await openApp(shared.browser, `http://${shared.app.addr}/`, params);
  t.after(() => page.context().close());
  for (const [name, theirs] of Object.entries(others)) {
    for (const channel of theirs.filter((c) => channels.includes(c))) await peers[name].sees(nick, "JOIN", channel);
  }
  return { page, errors, ...peers };
}

const listed = '[data-testid="conversation-list"] [data-testid="conversation"]';
const named = (name) => `[data-name="${name}"]`;
const server = '[data-kind="server"]';

/** The conversation-list entry that has the attributes `which` (and `more`). */
const conversation = (page, which, more = "") => page.locator(`${listed}${which}${more}`);

/** Clicks a conversation and waits until it is the one shown. */
async function show(page, which) {
  await conversation(page, which).click();
  await conversation(page, which, '[data-active="true"]').waitFor({ timeout });
}

/** The shown conversation's message list. */
const shown = (page) => page.locator('[data-testid="message-list"]:visible');

/** In the shown conversation: the entry of `kind` by `from` whose text is exactly `text`. */
function shownEntry(page, kind, from, text) {
  return shown(page)
    .locator(`[data-testid="message"][data-kind="${kind}"][data-nick="${from}"]`)
    .filter({ has: page.locator('[data-testid="message-text"]').getByText(text, { exact: true }) });
}

/** In the shown conversation: the system entries that mention `text`. */
const shownSystem = (page, text) => shown(page).locator('[data-testid="message"][data-kind="system"]', { hasText: text });

/** Waits until conversation `name` counts more than `count` unread. */
function untilUnreadAbove(page, name, count) {
  return page.waitForFunction(
    ([selector, name, count]) =>
      [...document.querySelectorAll(selector)].some((c) => c.dataset.name === name && Number(c.dataset.unread) > count),
    [listed, name, count],
    { timeout },
  );
}

/** The nicks the shown conversation's user list names (each `user`'s text). */
async function shownUsers(page) {
  const texts = await page.locator('[data-testid="user-list"]:visible [data-testid="user"]').allTextContents();
  return texts.map((t) => t.trim());
}

/** Waits until the shown conversation's user list names everyone in `present` (exactly: no
 * prefix) and no one in `absent`. */
async function untilUsers(page, present, absent = []) {
  try {
    await page.waitForFunction(
      ([present, absent]) => {
        const list = [...document.querySelectorAll('[data-testid="user-list"]')].find((l) =>
          l.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true }),
        );
        const nicks = list ? [...list.querySelectorAll('[data-testid="user"]')].map((u) => u.textContent.trim()) : [];
        return present.every((n) => nicks.includes(n)) && !absent.some((n) => nicks.includes(n));
      },
      [present, absent],
      { timeout },
    );
  } catch (e) {
    const seen = JSON.stringify(await shownUsers(page));
    throw new Error(`user list ${seen}, wanted ${JSON.stringify(present)} without ${JSON.stringify(absent)}: ${e.message}`);
  }
}

test("the channels named in `channel` are listed beside the server's conversation, the first one shown", async (t) => {
  const { page, errors } = await setUp(t, ["#a", "#b"], { bob: ["#a", "#b"] });
  await conversation(page, named("#a"), '[data-kind="channel"][data-active="true"]').waitFor({ timeout });
  await conversation(page, named("#b"), '[data-kind="channel"][data-active="false"]').waitFor({ timeout });
  await conversation(page, server).waitFor({ timeout });
  const all = await page.locator(listed).evaluateAll((nodes) => nodes.map((n) => ({ ...n.dataset })));
  assert.equal(all.filter((c) => c.kind === "server").length, 1, JSON.stringify(all));
  assert.deepEqual(all.filter((c) => c.kind === "channel").map((c) => c.name).sort(), ["#a", "#b"]);
  assert.deepEqual(all.filter((c) => c.active === "true").map((c) => c.name), ["#a"]);
  for (const c of all) assert.match(c.unread, /^\d+$/, `${c.name}'s data-unread is an integer`);
  // Ctrl+K jumps by name (its box is a module of its own in a release build, src/ui/lazy.rs).
  await page.getByTestId("composer-input").focus();
  await page.keyboard.press("Control+k");
  await page.getByTestId("conversation-filter").fill("#b");
  await page.getByTestId("conversation-filter").press("Enter");
  await conversation(page, named("#b"), '[data-active="true"]').waitFor({ timeout });
  await page.getByTestId("conversation-filter").waitFor({ state: "detached", timeout });
  // Ctrl+K again closes the box (also one whose module is still on its way).
  await page.getByTestId("composer-input").focus();
  await page.keyboard.press("Control+k");
  await page.getByTestId("conversation-filter").waitFor({ timeout });
  await page.keyboard.press("Control+k");
  await page.getByTestId("conversation-filter").waitFor({ state: "detached", timeout });
  assert.deepEqual(errors, []);
});

test("a line in a channel not shown counts as unread there, and is read once that channel is shown", async (t) => {
  const { page, errors, bob } = await setUp(t, ["#a", "#b"], { bob: ["#a", "#b"] });
  // Said after the page joined both, and shown in #a: whatever the joins left in #b is in by now.
  bob.say("#a", "hello in a");
  await shownEntry(page, "chat", "bob", "hello in a").waitFor({ timeout });
  const before = Number(await conversation(page, named("#b")).getAttribute("data-unread"));
  bob.say("#b", "hello in b");
  await untilUnreadAbove(page, "#b", before);
  assert.equal(Number(await conversation(page, named("#b")).getAttribute("data-unread")), before + 1, "one line, one unread");
  assert.equal(await conversation(page, named("#a")).getAttribute("data-active"), "true", "#a stays shown");
  assert.equal(await shownEntry(page, "chat", "bob", "hello in b").count(), 0, "#b's line is not in #a");

  await show(page, named("#b"));
  await conversation(page, named("#a"), '[data-active="false"]').waitFor({ timeout });
  await shownEntry(page, "chat", "bob", "hello in b").waitFor({ timeout });
  await conversation(page, named("#b"), '[data-unread="0"]').waitFor({ timeout });
  assert.equal(await shownEntry(page, "chat", "bob", "hello in a").count(), 0, "#a's line is not in #b");
  assert.deepEqual(errors, []);
});

test("private conversations open from either side: a PRIVMSG to the page, and /msg", async (t) => {
  const { page, errors, bob, carol } = await setUp(t, ["#a"], { bob: ["#a"], carol: [] });
  bob.say(nick, "psst, wendy");
  await conversation(page, named("bob"), '[data-kind="private"]').waitFor({ timeout });
  await show(page, named("bob"));
  await shownEntry(page, "chat", "bob", "psst, wendy").waitFor({ timeout });

  await send(page, "/msg carol hello carol");
  await carol.sees(nick, "PRIVMSG", "carol", "hello carol");
  await conversation(page, named("carol"), '[data-kind="private"]').waitFor({ timeout });
  await show(page, named("carol"));
  await shownEntry(page, "own", nick, "hello carol").waitFor({ timeout });
  carol.say(nick, "hi wendy");
  await shownEntry(page, "chat", "carol", "hi wendy").waitFor({ timeout });
  assert.equal(await conversation(page, named("carol")).count(), 1, "carol's answer is in the conversation /msg opened");
  assert.equal(await shownEntry(page, "chat", "bob", "psst, wendy").count(), 0, "bob's line is not in carol's");
  await show(page, named("#a"));
  bob.say("#a", "back in a");
  await shownEntry(page, "chat", "bob", "back in a").waitFor({ timeout });
  assert.equal(await shownEntry(page, "own", nick, "hello carol").count(), 0, "nor is /msg's line in #a");
  assert.deepEqual(errors, []);
});

test("a password sent to NickServ reaches it, and is never shown, recalled, stored or exported", async (t) => {
  // A client of our own takes the name: InspIRCd runs no services, and the server is real.
  const { page, NickServ } = await setUp(t, ["#a"], { NickServ: [] });
  const secret = "hunter2-secret";
  await send(page, `/msg NickServ IDENTIFY ${secret}`);
  await NickServ.sees(nick, "PRIVMSG", "NickServ", `IDENTIFY ${secret}`);
  // Typed in NickServ's conversation, and the account named too.
  await send(page, `identify ${nick} ${secret}`);
  await NickServ.sees(nick, "PRIVMSG", "NickServ", `identify ${nick} ${secret}`);
  // Last, a line without a password: once it is stored, so are the two before it.
  await send(page, `INFO ${nick}`);
  await NickServ.sees(nick, "PRIVMSG", "NickServ", `INFO ${nick}`);
  await shownEntry(page, "own", nick, "IDENTIFY ********").waitFor({ timeout });
  await shownEntry(page, "own", nick, "identify ********").waitFor({ timeout });
  const stored = await untilStored(page, `INFO ${nick}`);
  assert.ok(stored.includes("IDENTIFY ********"), stored);
  assert.ok(!stored.includes(secret), `the password is in the stored history: ${stored}`);
  // The input history (in localStorage) keeps the last line only; ↑ recalls it.
  await page.getByTestId("composer-input").press("ArrowUp");
  assert.equal(await page.getByTestId("composer-input").inputValue(), `INFO ${nick}`);
  await page.getByTestId("composer-input").press("ArrowUp");
  assert.equal(await page.getByTestId("composer-input").inputValue(), `INFO ${nick}`, "nothing older to recall");
  await page.getByTestId("composer-input").fill("");
  const exported = await assertSecretHidden(page, secret);
  assert.ok(exported.includes("IDENTIFY "), "the frames were recorded, masked");
});

test("the server's conversation holds the MOTD, which stays out of the channels", async (t) => {
  const { page, errors, bob } = await setUp(t, ["#a"], { bob: ["#a"] });
  await show(page, server);
  await shown(page).locator('[data-testid="message"]', { hasText: motdLine }).first().waitFor({ timeout });
  await show(page, named("#a"));
  bob.say("#a", "after the motd");
  await shownEntry(page, "chat", "bob", "after the motd").waitFor({ timeout });
  assert.equal(await shown(page).locator('[data-testid="message"]', { hasText: motdLine }).count(), 0);
  assert.deepEqual(errors, []);
});

test("/join shows the channel it joins; /part with no name leaves the shown one", async (t) => {
  const { page, errors, bob } = await setUp(t, ["#a"], { bob: ["#a", "#c"] });
  await send(page, "/join #c");
  await bob.sees(nick, "JOIN", "#c");
  await conversation(page, named("#c"), '[data-kind="channel"][data-active="true"]').waitFor({ timeout });
  await conversation(page, named("#a"), '[data-active="false"]').waitFor({ timeout });
  bob.say("#c", "welcome to c");
  await shownEntry(page, "chat", "bob", "welcome to c").waitFor({ timeout });

  await send(page, "/part");
  await bob.sees(nick, "PART", "#c");
  await conversation(page, named("#c")).waitFor({ state: "detached", timeout });
  assert.equal(await conversation(page, named("#a")).count(), 1, "#a is still listed");
  assert.deepEqual(errors, []);
});

test("each channel has its own user list, nicks without their @ or +", async (t) => {
  // bob opened #a and #b, so the server lists him as @bob in both; carol is in #b only.
  const { page, errors, bob } = await setUp(t, ["#a", "#b"], { bob: ["#a", "#b"], carol: ["#b"] });
  await conversation(page, named("#a"), '[data-active="true"]').waitFor({ timeout });
  await untilUsers(page, ["bob", nick]);
  bob.raw("PART #a :off to b");
  await untilUsers(page, [nick], ["bob", "carol"]);

  await show(page, named("#b"));
  await untilUsers(page, ["bob", "carol", nick]);
  const user = page.locator('[data-testid="user-list"]:visible [data-testid="user"]').filter({ hasText: /^\s*bob\s*$/ });
  assert.equal(await user.getAttribute("data-prefix", { timeout }), "@", "bob's standing, in data-prefix");
  assert.deepEqual(errors, []);
});

test("a nick change and a quit are shown in the channels of whoever did it, and only there", async (t) => {
  const { page, errors, bob, carol } = await setUp(t, ["#a", "#b", "#c"], { bob: ["#a", "#b"], carol: ["#c"] });
  await show(page, named("#a"));
  bob.raw("NICK robert");
  await shownSystem(page, "robert").first().waitFor({ timeout });
  await untilUsers(page, ["robert"], ["bob"]);
  await show(page, named("#b"));
  await shownSystem(page, "robert").first().waitFor({ timeout });
  await show(page, named("#c"));
  // Said after the page showed the nick change: once it is in #c, so would the change be.
  carol.say("#c", "after the nick change");
  await shownEntry(page, "chat", "carol", "after the nick change").waitFor({ timeout });
  assert.equal(await shownSystem(page, "robert").count(), 0, "#c, where bob never was, says nothing of it");

  bob.raw("QUIT :gone fishing");
  await show(page, named("#b"));
  await shownSystem(page, "gone fishing").first().waitFor({ timeout });
  await show(page, named("#a"));
  await shownSystem(page, "gone fishing").first().waitFor({ timeout });
  await untilUsers(page, [nick], ["robert", "bob"]);
  await show(page, named("#c"));
  carol.say("#c", "after the quit");
  await shownEntry(page, "chat", "carol", "after the quit").waitFor({ timeout });
  assert.equal(await shownSystem(page, "gone fishing").count(), 0, "nor of the quit");
  assert.deepEqual(errors, []);
});

test("the form folds once connected; axe-core finds nothing serious with the list open, wide and at 360 px, where the tab bar keeps its +", async (t) => {
  const { page, errors, bob } = await setUp(t, ["#a", "#b"], { bob: ["#a", "#b"] });
  bob.say("#b", `${nick}: a mention in the hidden channel`);
  await conversation(page, named("#b"), ':not([data-unread="0"])').waitFor({ timeout });
  // Connected: the form is folded into one line; its button opens it, a field focused too.
  const bar = page.locator(".connection.bar");
  assert.match(await bar.getAttribute("class"), /\bfolded\b/);
  const formHeight = async () => (await page.locator("form.connect").boundingBox()).height;
  const folded = await formHeight();
  await page.getByRole("button", { name: "Edit connection" }).click();
  await page.locator(".connection.bar:not(.folded)").waitFor({ timeout });
  assert.ok((await formHeight()) > folded, "the whole form is taller than its folded line");
  await page.getByRole("button", { name: "Fold" }).click();
  await page.locator(".connection.bar.folded").waitFor({ timeout });
  await page.getByTestId("nick-input").fill(nick);
  await page.locator(".connection.bar:not(.folded)").waitFor({ timeout });
  await page.getByRole("button", { name: "Fold" }).click();
  // Enough tabs to overflow the tab bar at 360 px.
  for (let i = 0; i < 6; i++) await page.getByTestId("new-tab-button").click();
  await page.getByTestId("tab").first().click();
  for (const colorScheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1280, height: 720 });
    assert.deepEqual(await axeScan(page), [], `wide, ${colorScheme}`);
    await page.setViewportSize({ width: 360, height: 740 });
    // Folded behind its button; opened, it lists every conversation.
    await conversation(page, named("#a")).waitFor({ state: "hidden", timeout });
    await page.getByRole("button", { name: /^Conversations/ }).click();
    await conversation(page, named("#b")).waitFor({ timeout });
    assert.deepEqual(await axeScan(page), [], `360 px, ${colorScheme}`);
    // The users fold behind their button too; opened, they show.
    await page.getByRole("button", { name: /^Users \(\d+\)$/ }).click();
    await page.locator('.users-unknown, [data-testid="user"]').first().waitFor({ timeout });
    assert.deepEqual(await axeScan(page), [], `360 px, users open, ${colorScheme}`);
    await page.getByRole("button", { name: /^Users/ }).click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, "no horizontal scrolling at 360 px");
    const plus = await page.getByTestId("new-tab-button").boundingBox();
    assert.ok(plus && plus.x >= 0 && plus.x + plus.width <= 360, `the + is in view: ${JSON.stringify(plus)}`);
    await page.getByRole("button", { name: /^Conversations/ }).click();
  }
  assert.deepEqual(errors, []);
});
