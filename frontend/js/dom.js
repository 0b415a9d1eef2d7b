// DOM writes that happen only when a value changes, counted so the page can show it writes little.
// The last written value is kept on the node, so nothing is ever read back from the DOM.

export const writes = { count: 0 };

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`dashboard: no element #${id} in index.html`);
  return node;
}

export function setText(node, text) {
  if (node.__text !== text) {
    node.__text = text;
    node.textContent = text;
    writes.count += 1;
  }
}

export function setData(node, key, value) {
  const slot = `__data_${key}`;
  if (node[slot] !== value) {
    node[slot] = value;
    node.dataset[key] = value;
    writes.count += 1;
  }
}

export function setStyle(node, property, value) {
  const slot = `__style_${property}`;
  if (node[slot] !== value) {
    node[slot] = value;
    node.style.setProperty(property, value);
    writes.count += 1;
  }
}

/** Replace one class of a family (e.g. "t-cold" by "t-hot") without touching the others. */
export function setVariant(node, prefix, variant) {
  const slot = `__variant_${prefix}`;
  if (node[slot] !== variant) {
    if (node[slot]) node.classList.remove(prefix + node[slot]);
    if (variant) node.classList.add(prefix + variant);
    node[slot] = variant;
    writes.count += 1;
  }
}

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
