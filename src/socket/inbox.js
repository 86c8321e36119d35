// A socket's inbox: its messages wait here, in JavaScript, and cross into wasm together, once
// per batch. Crossing the boundary per message (closure call, event.data, string copy) cost
// more than the message itself; one joined string per batch costs one copy.
export class Inbox {
  constructor(wake) {
    this.data = [];
    this.arrived = [];
    this.lengths = null;
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
   * Up to `max` of the leading text messages, joined; their UTF-16 lengths and arrival times
   * are left in `lengths` and `times`. (A limit, so a burst does not need one string for all of
   * it in wasm memory, which never shrinks.)
   */
  takeTexts(max) {
    let n = 0;
    while (n < this.data.length && n < max && typeof this.data[n] === "string") n++;
    const texts = this.data.splice(0, n);
    this.lengths = Uint32Array.from(texts, (t) => t.length);
    this.times = Float64Array.from(this.arrived.splice(0, n));
    return texts.join("");
  }

  /** The first message, binary; its arrival time is left in `times`. */
  takeBinary() {
    this.times = Float64Array.of(this.arrived.shift());
    return this.data.shift();
  }
}
