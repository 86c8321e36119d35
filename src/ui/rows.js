// A message row made in one call from wasm: in a flood a row is the hot path, and each call
// across the boundary, with its string decoded, costs about as much as the DOM work it asks for.

/** A deep copy of `prototype` with `data-ms` and its text (the last child's), appended to `parent`. */
export function appendRow(prototype, parent, ms, text) {
  const row = prototype.cloneNode(true);
  row.setAttribute("data-ms", String(ms));
  row.lastElementChild.textContent = text;
  parent.appendChild(row);
  return row;
}
