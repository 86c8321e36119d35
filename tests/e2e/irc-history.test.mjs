// History a server replays on join (Debian's InspIRCd 3 with chanhistory, channel mode +H) is
// shown once: when the app joins, and again after a /reconnect, nothing already on screen is
// shown twice, though InspIRCd sends no msgid and cuts replayed times to the second.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ircBot } from "../peers/irc-bot.mjs";
import { entry, Inbox, openHit, send, sharedBrowser, startInspircd, timeout, untilInView, untilStored } from "./helpers.mjs";

const appUrl = process.env.WSCHAT_APP_URL;
assert.ok(appUrl, "WSCHAT_APP_URL must point at the served release build");
const shared = sharedBrowser();

/** How many entries show exactly `text`. */
function count(page, text) {
  return page.locator('[data-testid="message-text"]').getByText(text, { exact: true }).count();
}

test("IRC: history InspIRCd's chanhistory replays is shown once, across a /reconnect", async () => {
  const ircd = await startInspircd();
  try {
    const url = ircd.url;
    const inbox = new Inbox();
    // First in the channel, so its operator: it turns history on, then says three lines.
    const bot = await ircBot(url, "otto", "#hist", inbox);
    bot.raw("MODE #hist +H 20:1d");
    const said = ["history one", "history two", "history three"];
    for (const text of said) bot.say(text);
    await bot.sync(); // the server has kept them before the app joins

    const page = await (await shared.browser.newContext()).newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(`${appUrl}?${new URLSearchParams({ nick: "wendy", url, protocol: "irc", channel: "#hist" })}`);
    await page.getByText("Ready to chat.").first().waitFor({ timeout });
    for (const text of said) await entry(page, "chat", "otto", text).waitFor({ timeout });

    // A line seen live (precise server time), and an own one (stamped when typed): both are in
    // the history the next join replays.
    bot.say("live four");
    await entry(page, "chat", "otto", "live four").waitFor({ timeout });
    await send(page, "wendy was here");
    await inbox.waitFor((m) => m.from === "wendy" && m.text === "wendy was here", "wendy's PRIVMSG");
    await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor({ timeout });

    await send(page, "/reconnect");
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="message-text"]')].filter((n) => n.textContent === "Joined #hist.").length === 2,
      null,
      { timeout },
    );
    // The replay comes with the join; a line said once the app is back in the channel comes
    // after it, so once that line shows, the replay has been handled.
    await page.getByText("Ready to chat.").nth(1).waitFor({ timeout });
    bot.say("after the replay");
    await entry(page, "chat", "otto", "after the replay").waitFor({ timeout });
    for (const text of [...said, "live four", "wendy was here"]) {
      assert.equal(await count(page, text), 1, `"${text}" shown once`);
    }
    // What the app was replayed after the reconnect: another client joining now is replayed
    // all five lines, so the app's counts above were the dedupe at work, not a missing replay.
    const seen = new Inbox();
    const late = await ircBot(url, "zed", "#hist", seen);
    for (const text of [...said, "live four", "wendy was here"]) {
      await seen.waitFor((m) => m.text === text, `the replay of "${text}"`);
    }
    late.close();
    bot.close();
    assert.deepEqual(errors, []);
  } finally {
    await ircd.kill();
  }
});

test("IRC: after a reload the stored lines and InspIRCd's replay show once; search finds lines of both channels", async () => {
  const ircd = await startInspircd();
  try {
    const url = ircd.url;
    const inbox = new Inbox();
    const bot = await ircBot(url, "otto", "#one", inbox);
    bot.raw("JOIN #two");
    bot.raw("MODE #one +H 50:1d");
    bot.raw("MODE #two +H 50:1d");
    await bot.sync();
    const context = await shared.browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(`${appUrl}?${new URLSearchParams({ nick: "wendy", url, protocol: "irc", channel: "#one,#two" })}`);
    await page.getByText("Ready to chat.").first().waitFor({ timeout });
    await page.locator('[data-testid="conversation"][data-name="#two"]:not(.parted)').waitFor({ timeout });
    const lines = { "#one": ["pebble in one", "another pebble in one"], "#two": ["pebble in two"] };
    for (const [channel, said] of Object.entries(lines)) for (const text of said) bot.raw(`PRIVMSG ${channel} :${text}`);
    await bot.sync();
    await entry(page, "chat", "otto", "another pebble in one").waitFor({ timeout });
    // Stored (the store is read by the next page), then the page is gone.
    await untilStored(page, "pebble in two");
    await page.close();

    // A page opened later: the store's tail, then the server's replay on join, and a marker
    // said once it is back: each line once.
    const again = await context.newPage();
    again.on("pageerror", (e) => errors.push(e));
    await again.goto(`${appUrl}?${new URLSearchParams({ nick: "wendy", url, protocol: "irc", channel: "#one,#two" })}`);
    await again.getByText("Ready to chat.").first().waitFor({ timeout });
    bot.say("marker after the replay");
    await entry(again, "chat", "otto", "marker after the replay").waitFor({ timeout });
    for (const text of lines["#one"]) assert.equal(await count(again, text), 1, `"${text}" shown once`);

    // Search: both channels' lines, each naming its channel, the term marked.
    await again.getByTestId("search-button").click();
    await again.getByTestId("search-input").fill("pebble");
    await again.getByTestId("search-input").press("Enter");
    const results = again.getByTestId("search-result");
    await results.filter({ hasText: "pebble in two" }).waitFor({ timeout });
    const found = await results.evaluateAll((hits) =>
      hits.map((h) => [h.dataset.conversation, h.querySelector('[data-testid="message-text"]').textContent]),
    );
    assert.deepEqual(
      found.filter(([, text]) => text.includes("pebble")).sort(),
      [["#one", "another pebble in one"], ["#one", "pebble in one"], ["#two", "pebble in two"]],
      "each line once, named by its channel",
    );
    await again.getByTestId("search-input").press("Escape");

    // The tab goes to another server; a hit in a channel of InspIRCd, which no tab is open to
    // now, opens a tab connected to it again, that channel shown and the line in view.
    await again.getByTestId("url-input").fill(`/ws?room=elsewhere-${Date.now()}`);
    await again.getByTestId("protocol-select").selectOption("text");
    await again.getByTestId("connect-button").click();
    await again.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
    await openHit(again, "pebble", "pebble in two");
    await again.locator('[data-testid="tab"]').nth(1).and(again.locator('[aria-current="page"]')).waitFor({ timeout });
    await again.getByText("Ready to chat.").first().waitFor({ timeout });
    await again.locator('[data-testid="conversation"][data-name="#two"][data-active="true"]').waitFor({ timeout });
    await untilInView(again, "pebble in two");
    // Counted once InspIRCd's replay on join is surely in: after a line said since.
    bot.raw("PRIVMSG #two :marker in two");
    await entry(again, "chat", "otto", "marker in two").waitFor({ timeout });
    assert.equal(await count(again, "pebble in two"), 1, "shown once, stored line and replay");
    bot.close();
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await ircd.kill();
  }
});
