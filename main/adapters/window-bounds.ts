/*
 * Electron-free window placement: where the main window opens, given what was saved last time
 * and the displays that exist now. Plain rectangles in, plain rectangles out, so it is tested
 * under Node. window-state.ts feeds it Electron's screen work areas.
 */

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

/** What is remembered between runs: the normal (un-maximized) bounds and whether it was maximized. */
export interface WindowState {
  bounds: Rect
  maximized: boolean
}

export interface WindowSizes {
  width: number
  height: number
  minWidth: number
  minHeight: number
}

/** The main window's default and minimum size (window.ts uses the same numbers). */
export const MAIN_WINDOW_SIZES: WindowSizes = { width: 1200, height: 800, minWidth: 760, minHeight: 520 }

/**
 * How much of a saved window must still fall on some display for it to be put back there; less
 * than this (a monitor unplugged, a resolution change) counts as off-screen. Enough of the title
 * bar to grab it.
 */
export const MIN_VISIBLE = { width: 160, height: 80 } as const

function intersection(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x)
  const y = Math.max(a.y, b.y)
  const right = Math.min(a.x + a.width, b.x + b.width)
  const bottom = Math.min(a.y + a.height, b.y + b.height)
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null
}

function isFiniteRect(r: Rect): boolean {
  return [r.x, r.y, r.width, r.height].every(Number.isFinite) && r.width > 0 && r.height > 0
}

/** A size that respects the minimum, but never exceeds the work area (a small screen wins over the minimum). */
function fitSize(width: number, height: number, area: Rect, sizes: WindowSizes): { width: number; height: number } {
  return {
    width: Math.round(Math.min(Math.max(width, sizes.minWidth), area.width)),
    height: Math.round(Math.min(Math.max(height, sizes.minHeight), area.height)),
  }
}

function centreIn(area: Rect, size: { width: number; height: number }): Rect {
  return {
    x: Math.round(area.x + (area.width - size.width) / 2),
    y: Math.round(area.y + (area.height - size.height) / 2),
    ...size,
  }
}

/** The default placement: the default size (shrunk to fit a small screen), centred on the primary display's work area. */
export function defaultBounds(primaryWorkArea: Rect, sizes: WindowSizes = MAIN_WINDOW_SIZES): Rect {
  return centreIn(primaryWorkArea, fitSize(sizes.width, sizes.height, primaryWorkArea, sizes))
}

/** The display work area a rectangle overlaps most, with the overlap; null when it touches none. */
export function bestDisplay(bounds: Rect, workAreas: readonly Rect[]): { area: Rect; overlap: Rect } | null {
  let best: { area: Rect; overlap: Rect } | null = null
  for (const area of workAreas) {
    const overlap = intersection(bounds, area)
    if (overlap && (!best || overlap.width * overlap.height > best.overlap.width * best.overlap.height)) best = { area, overlap }
  }
  return best
}

/** Moves (never grows) `bounds` so it lies wholly inside `area`, shrinking it first if it is larger. */
export function clampToArea(bounds: Rect, area: Rect, sizes: WindowSizes = MAIN_WINDOW_SIZES): Rect {
  const size = fitSize(bounds.width, bounds.height, area, sizes)
  const x = Math.min(Math.max(Math.round(bounds.x), area.x), area.x + area.width - size.width)
  const y = Math.min(Math.max(Math.round(bounds.y), area.y), area.y + area.height - size.height)
  return { x, y, ...size }
}

/**
 * Where to open the window. Nothing saved (or nonsense saved): the default placement. Saved bounds
 * still visible on some display: put back there, shrunk and nudged to lie wholly inside that
 * display's work area. Saved bounds off every display: the saved size, centred on the primary
 * display. `maximized` is kept either way, so the restore size is still the user's.
 */
export function restoreWindowState(saved: WindowState | null, workAreas: readonly Rect[], primaryWorkArea: Rect, sizes: WindowSizes = MAIN_WINDOW_SIZES): WindowState {
  if (!saved || !isFiniteRect(saved.bounds)) return { bounds: defaultBounds(primaryWorkArea, sizes), maximized: false }
  const hit = bestDisplay(saved.bounds, workAreas)
  const visible = !!hit && hit.overlap.width >= Math.min(MIN_VISIBLE.width, saved.bounds.width) && hit.overlap.height >= Math.min(MIN_VISIBLE.height, saved.bounds.height)
  const bounds = visible && hit ? clampToArea(saved.bounds, hit.area, sizes) : centreIn(primaryWorkArea, fitSize(saved.bounds.width, saved.bounds.height, primaryWorkArea, sizes))
  return { bounds, maximized: saved.maximized === true }
}
