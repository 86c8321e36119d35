// The README's two pictures (docs/screenshot.png, docs/phone.png): the release build in dist/
// connected as ada to Debian's InspIRCd on loopback, with #rust and #leptos joined, a private
// chat from carol, and people talking. Run after `trunk build --release` (through
// scripts/env.sh) with the servers scripts/setup installs: `node scripts/readme-pictures.mjs`.
import path from "node:path";
import { ircBot } from "../tests/peers/irc-bot.mjs";
import { Inbox, launchChromium, root, startInspircd, startServer } from "../tests/e2e/helpers.mjs";

const timeout = 15_000;
// Each started thing is stopped at the end, whatever failed after it started.
const started = [];
const bots = [];
try {
  const app = await startServer(["--static", path.join(root, "dist")]);
  started.push(() => app.kill());
  const ircd = await startInspircd();
  started.push(() => ircd.kill());
  const browser = await launchChromium();
  started.push(() => browser.close());
  const inbox = new Inbox();
  // ferris opens #rust first (so is its operator) and sets its topic; the others join.
  const ferris = await ircBot(ircd.url, "ferris", "#rust", inbox);
  ferris.raw("TOPIC #rust :Rust, the language: be nice, read the book");
  const bob = await ircBot(ircd.url, "bob", "#rust", inbox);
  ferris.raw("MODE #rust +v bob");
  const carol = await ircBot(ircd.url, "carol", "#rust", inbox);
  const dana = await ircBot(ircd.url, "dana", "#leptos", inbox);
  dana.raw("JOIN #rust");
  bots.push(ferris, bob, carol, dana);
  await Promise.all([ferris, bob, carol, dana].map((bot) => bot.sync()));

  const shoot = async ({ colorScheme, width, height, file, unfold }) => {
    const context = await browser.newContext({ colorScheme, viewport: { width, height }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const query = new URLSearchParams({ protocol: "irc", url: ircd.url, nick: unfold ? "zoe" : "ada", channel: "#rust,#leptos" });
    await page.goto(`http://${app.addr}/?${query}`);
    await page.getByText("Ready to chat.").first().waitFor({ timeout });
    // Both channels joined before anyone speaks in them.
    for (const channel of ["#rust", "#leptos"]) {
      await page.locator(`[data-testid="conversation"][data-name="${channel}"]:not(.parted)`).waitFor({ state: "attached", timeout });
    }
    const me = unfold ? "zoe" : "ada";
    const said = async (bot, text, where = "#rust") => {
      bot.raw(`PRIVMSG ${where} :${text}`);
      await bot.sync();
    };
    await said(ferris, "morning all, 1.95 is out with the new borrow checker diagnostics");
    await said(bob, "the release notes: https://blog.rust-lang.org/");
    await said(carol, `${me}: did the wasm build get smaller with it?`);
    await page.getByTestId("composer-input").fill("a little, I will measure it after lunch");
    await page.getByTestId("composer-input").press("Enter");
    await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor({ timeout });
    await said(dana, "\u0001ACTION waves\u0001");
    await said(dana, "is the signals rewrite merged?", "#leptos");
    await said(dana, "the docs say 0.8", "#leptos");
    await said(carol, "lunch at noon?", me);
    await page.locator('[data-testid="conversation"][data-name="carol"][data-unread="1"]').waitFor({ state: "attached", timeout });
    if (unfold) await page.locator(".conversations-toggle").click();
    await page.screenshot({ path: path.join(root, "docs", file) });
    await context.close();
  };
  await shoot({ colorScheme: "dark", width: 1100, height: 640, file: "screenshot.png" });
  await shoot({ colorScheme: "light", width: 360, height: 740, file: "phone.png", unfold: true });
  console.log("docs/screenshot.png and docs/phone.png written");
} finally {
  for (const bot of bots) bot.close();
  for (const stop of started.reverse()) await stop();
}
