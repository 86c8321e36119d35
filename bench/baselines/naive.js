// The naive baseline: one appendChild per message, as it arrives; no cap, and no scrolling
// (reading scrollHeight per message forces a layout per message: 10,000 took 97 s).
import { connect, row } from "./common.js";

const list = document.querySelector('[data-testid="message-list"]');
let total = 0;
connect((messages) => {
  for (const message of messages) {
    list.appendChild(row(message));
    total += 1;
    list.setAttribute("data-total-received", String(total));
  }
});
