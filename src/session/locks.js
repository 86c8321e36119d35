// Web Locks, as the outbox uses them: a page holds its own lock for as long as it lives (the
// browser frees it when the page closes or crashes), so another page that is granted that lock
// knows the page is gone and may take over what it left. Promises and an abort instead of
// callbacks, so that no Rust closure has to outlive the call.
export function locksAvailable() {
  return typeof navigator !== "undefined" && !!navigator.locks;
}

export class HeldLock {
  // Asks for `name`; with `ifAvailable`, answers at once whether it could be had.
  constructor(name, ifAvailable) {
    this.controller = new AbortController();
    this.release_ = null;
    this.dropped = false;
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
    this.controller.abort();
    if (this.release_) this.release_();
  }
}
