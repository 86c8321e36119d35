// The batched baseline: messages collected and flushed once per animation frame as one
// DocumentFragment, with a 5,000-entry history cap (wschat's default keeps 2,000 in memory, its
// store the rest) and the same markup: rows in blocks
// of 50, a block sealed (`content-visibility: auto`) a frame after it is complete.
import { CAP, connect, row } from "./common.js";

const ROWS_PER_CHUNK = 50;
const list = document.querySelector('[data-testid="message-list"]');
let total = 0;
let rows = 0;
let queue = [];
let scheduled = false;

function flush() {
  scheduled = false;
  // Blocks completed by the previous flush have been drawn since.
  for (let block = list.lastElementChild?.previousElementSibling; block && block.className === "chunk"; block = block.previousElementSibling) {
    block.className = "chunk sealed";
  }
  const fresh = queue.length > CAP ? queue.slice(queue.length - CAP) : queue;
  queue = [];
  let block = list.lastElementChild;
  let fragment = document.createDocumentFragment();
  for (const message of fresh) {
    if (!block || block.childElementCount + fragment.childElementCount >= ROWS_PER_CHUNK) {
      if (block) block.appendChild(fragment);
      fragment = document.createDocumentFragment();
      block = document.createElement("div");
      block.className = "chunk";
      list.appendChild(block);
    }
    fragment.appendChild(row(message));
  }
  block?.appendChild(fragment);
  rows += fresh.length;
  while (rows > CAP) {
    const oldest = list.firstElementChild;
    oldest.firstElementChild.remove();
    if (!oldest.firstElementChild) oldest.remove();
    rows--;
  }
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
