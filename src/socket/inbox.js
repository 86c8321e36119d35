// A socket's inbox: messages wait here and cross into wasm a batch at a time, as UTF-8 in one
// buffer (src/socket/inbox.rs says why).
const encoder = new TextEncoder();

/** The scratch buffer kept between batches, at most this many bytes (a batch's worst case). */
const KEPT_SCRATCH_BYTES = 3 << 20;
let scratch = new Uint8Array(1 << 16);

/** A buffer of at least `bytes`: the kept one, grown up to its limit, or one for this batch. */
function bufferOf(bytes) {
  if (bytes <= scratch.length) return scratch;
  if (bytes > KEPT_SCRATCH_BYTES) return new Uint8Array(bytes);
  scratch = new Uint8Array(Math.max(bytes, Math.min(2 * scratch.length, KEPT_SCRATCH_BYTES)));
  return scratch;
}
/** The first `units` UTF-16 units of `text`, not ending inside a surrogate pair. */
function startOf(text, units) {
  const code = text.charCodeAt(units - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? units - 1 : units);
}

export class Inbox {
  constructor(wake) {
    this.data = [];
    this.arrived = [];
    this.lengths = null;
    this.cut = null;
    this.times = null;
    // `wake` runs when the inbox stops being empty, so wasm schedules one drain per batch.
    this.onmessage = (event) => {
      this.arrived.push(Date.now());
      if (this.data.push(event.data) === 1) wake();
    };
  }

  get size() {
    return this.data.length;
  }

  get headIsText() {
    return typeof this.data[0] === "string";
  }

  /**
   * Up to `max` leading text messages as UTF-8, at most `budget` UTF-16 units unless the first
   * alone is longer; byte lengths and arrival times left in `lengths` and `times`. One longer
   * than `limit` crosses as its first `start` units, its length left in `cut` (else null).
   */
  takeTexts(max, budget, limit, start) {
    let n = 0;
    let total = 0;
    let huge = false;
    while (n < this.data.length && n < max && typeof this.data[n] === "string") {
      const length = this.data[n].length;
      const units = length > limit ? start : length;
      huge ||= length > limit;
      if (n > 0 && total + units > budget) break;
      total += units;
      n++;
    }
    const texts = this.data.splice(0, n);
    // The common batch has no huge message: no second array, no second pass.
    this.cut = huge ? Uint32Array.from(texts, (t) => (t.length > limit ? t.length : 0)) : null;
    const kept = huge ? texts.map((t) => (t.length > limit ? startOf(t, start) : t)) : texts;
    this.times = Float64Array.from(this.arrived.splice(0, n));
    // Three bytes a UTF-16 unit at most (a pair of units, four).
    const buffer = bufferOf(3 * kept.reduce((sum, t) => sum + t.length, 0));
    this.lengths = new Uint32Array(kept.length);
    let written = 0;
    kept.forEach((text, i) => {
      const bytes = encoder.encodeInto(text, buffer.subarray(written)).written;
      this.lengths[i] = bytes;
      written += bytes;
    });
    return buffer.subarray(0, written);
  }

  /** The first message, binary; its arrival time is left in `times`. */
  takeBinary() {
    this.times = Float64Array.of(this.arrived.shift());
    return this.data.shift();
  }
}
