// Shared by the end-to-end tests: the reference server as a child process, and a browser.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const timeout = 15_000;

/** Starts target/release/wschat-server with `args`; resolves once it says where it listens. */
export async function startServer(args, addr = "127.0.0.1:0") {
  const bin = process.env.WSCHAT_SERVER_BIN || path.join(root, "target/release/wschat-server");
  const proc = spawn(bin, ["--addr", addr, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const listening = new Promise((resolve, reject) => {
    proc.stderr.on("data", (chunk) => {
      log += chunk;
      const match = /listening on (\S+)/.exec(log);
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

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/** Types `text` in the composer and presses Enter. */
export async function send(page, text) {
  const input = page.getByTestId("composer-input");
  await input.fill(text);
  await input.press("Enter");
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
  await page.waitForFunction(
    ([count, status]) => {
      const own = [...document.querySelectorAll('[data-testid="message"][data-kind="own"]')];
      return own.length === count && own.every((n) => n.getAttribute("data-status") === status);
    },
    [count, status],
    { timeout: ms },
  );
}
