// Canvases that follow their box: the backing store is resized (for the device's pixel ratio) only
// when a ResizeObserver says the box changed, so drawing never asks the layout for a size.

export function fitCanvas(canvas) {
  const view = { canvas, ctx: canvas.getContext("2d"), width: 0, height: 0, dpr: 1, resized: true };
  const observer = new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    const dpr = Math.min(window.devicePixelRatio || 1, 3);
    const width = Math.max(1, Math.round(box.width));
    const height = Math.max(1, Math.round(box.height));
    if (width === view.width && height === view.height && dpr === view.dpr) return;
    view.width = width;
    view.height = height;
    view.dpr = dpr;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    view.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    view.resized = true;
  });
  observer.observe(canvas);
  return view;
}

/** CSS custom properties, read once at start (colours of the theme, shared with the stylesheet). */
export function themeColours(names) {
  const style = getComputedStyle(document.documentElement);
  return Object.fromEntries(names.map((n) => [n, style.getPropertyValue(`--${n}`).trim() || "#888"]));
}
