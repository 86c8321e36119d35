// Web Locks, as the outbox uses them: a page holds its own lock for as long as it lives (the
// browser frees it when the page closes or crashes), so another page that is granted that lock
// knows the page is gone and may take over what it left. Promises and an abort instead of
// callbacks, so that no Rust closure has to outlive the call.
//
// Where the browser has no Web Locks (a page served over plain http from another machine is
// not a secure context), the same locks are leases in localStorage: the holder renews its lease
// while it lives and removes it when the page goes; a lease not renewed for LEASE_MS is a
// crashed page's. Granting writes the lease and reads it back a moment later, so of two pages
// that claim one lease at once only the last writer holds it.
export function locksAvailable() {
  return typeof navigator !== "undefined" && (!!navigator.locks || leasesAvailable());
}

// A lease not renewed for this long is a gone page's. Hidden tabs may run timers only once a
// minute (Chromium's intensive throttling), so it is well above that.
const LEASE_MS = 150_000;
const RENEW_MS = 20_000;
// How long a claim waits before it reads the lease back: storage writes of other pages of the
// profile have reached it by then.
const SETTLE_MS = 100;
const LEASE_PREFIX = "wschat.lease:";
const PAGE = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

function leasesAvailable() {
  try {
    return typeof localStorage !== "undefined" && !!localStorage;
  } catch {
    return false;
  }
}

// The lease of `name`, if a live page holds it: { holder, until }.
function liveLease(name) {
  try {
    const lease = JSON.parse(localStorage.getItem(LEASE_PREFIX + name) || "null");
    return lease && typeof lease.holder === "string" && lease.until > Date.now() ? lease : null;
  } catch {
    return null;
  }
}

const held = new Set();
// A page that goes gives its leases back at once (a crashed one's run out); one that comes back
// from the back-forward cache takes them again.
if (typeof window !== "undefined" && leasesAvailable()) {
  window.addEventListener("pagehide", () => {
    for (const lease of held) lease.giveBack();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) for (const lease of held) lease.write();
  });
}

class Lease {
  constructor(name, ifAvailable) {
    this.name = name;
    this.key = LEASE_PREFIX + name;
    this.holder = `${PAGE}/${Math.random().toString(36).slice(2)}`;
    this.stopped = false;
    this.timers = [];
    this.granted = new Promise((resolve) => {
      this.resolve = resolve;
      this.attempt(ifAvailable);
    });
  }

  attempt(ifAvailable) {
    if (this.stopped) return this.resolve(false);
    const lease = liveLease(this.name);
    if (lease && lease.holder !== this.holder) {
      if (ifAvailable) return this.resolve(false);
      return this.waitFor(lease);
    }
    this.write();
    this.later(SETTLE_MS, () => {
      if (this.stopped) return this.resolve(false);
      if (liveLease(this.name)?.holder === this.holder) {
        held.add(this);
        this.renewing = setInterval(() => this.write(), RENEW_MS);
        this.resolve(true);
      } else {
        this.attempt(ifAvailable);
      }
    });
  }

  // Waits for the lease to be given back (a storage event) or to run out.
  waitFor(lease) {
    const again = () => {
      window.removeEventListener("storage", onStorage);
      this.attempt(false);
    };
    const onStorage = (event) => {
      if (event.key === this.key || event.key === null) {
        if (!liveLease(this.name)) again();
      }
    };
    window.addEventListener("storage", onStorage);
    this.unlisten = () => window.removeEventListener("storage", onStorage);
    this.later(Math.max(lease.until - Date.now(), 0) + 50, again);
  }

  write() {
    try {
      localStorage.setItem(this.key, JSON.stringify({ holder: this.holder, until: Date.now() + LEASE_MS }));
    } catch {
      // Storage full: the lease runs out, and another page may take over later.
    }
  }

  later(ms, run) {
    this.timers.push(setTimeout(run, ms));
  }

  giveBack() {
    try {
      if (liveLease(this.name)?.holder === this.holder) localStorage.removeItem(this.key);
    } catch {
      // Nothing to give back.
    }
  }

  drop() {
    this.stopped = true;
    held.delete(this);
    clearInterval(this.renewing);
    for (const timer of this.timers) clearTimeout(timer);
    this.unlisten?.();
    this.giveBack();
    this.resolve?.(false);
  }
}

export class HeldLock {
  // Asks for `name`; with `ifAvailable`, answers at once whether it could be had.
  constructor(name, ifAvailable) {
    this.controller = new AbortController();
    this.release_ = null;
    this.dropped = false;
    if (!navigator.locks) {
      this.lease = new Lease(name, ifAvailable);
      this.granted = this.lease.granted;
      return;
    }
    const options = ifAvailable ? { ifAvailable: true } : { signal: this.controller.signal };
    // Resolves true once held, false when `ifAvailable` found it taken; rejects when released
    // (dropped) before it was granted, or when the browser refuses.
    this.granted = new Promise((resolve, reject) => {
      try {
        navigator.locks
          .request(name, options, (lock) => {
            if (lock === null || this.dropped) {
              resolve(false);
              return undefined;
            }
            return new Promise((release) => {
              this.release_ = release;
              resolve(true);
            });
          })
          .catch(reject);
      } catch (e) {
        reject(e);
      }
    });
  }

  // Lets the lock go, or stops waiting for it.
  release() {
    this.dropped = true;
    if (this.lease) return this.lease.drop();
    this.controller.abort();
    if (this.release_) this.release_();
  }
}
