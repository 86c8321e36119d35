// The batched baseline: messages collected and flushed once per animation frame as one
// DocumentFragment, with the same history cap as wschat.
import { CAP, connect, row } from "./common.js";

const list = document.querySelector('[data-testid="message-list"]');
let total = 0;
let queue = [];
let scheduled = false;

function flush() {
  scheduled = false;
  const fresh = queue.length > CAP ? queue.slice(queue.length - CAP) : queue;
  queue = [];
  const fragment = document.createDocumentFragment();
  for (const message of fresh) fragment.appendChild(row(message));
  list.appendChild(fragment);
  let excess = list.childElementCount - CAP;
  while (excess-- > 0) list.firstElementChild.remove();
  list.setAttribute("data-total-received", String(total));
  list.scrollTop = list.scrollHeight;
}

connect((messages) => {
  total += messages.length;
  queue.push(...messages);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(flush);
  }
});
