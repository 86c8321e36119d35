// A message row made in one call from wasm: in a flood a row is the hot path, and making it in
// five calls across the boundary, each string decoded, cost half as much again as the DOM work.

/** A deep copy of `prototype` with `data-ms` and its text (the last child's), appended to `parent`. */
export function appendRow(prototype, parent, ms, text) {
  const row = prototype.cloneNode(true);
  row.setAttribute("data-ms", String(ms));
  row.lastElementChild.textContent = text;
  parent.appendChild(row);
  return row;
}
