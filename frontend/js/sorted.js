// Lookups in sorted arrays, shared by the live track map and the sessions page's.

/** Index of the last element of a sorted array not above v (0 when v is below them all). */
export function bisect(sorted, v) {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
