import { describe, expect, it } from 'vitest'
import { bestDisplay, clampToArea, defaultBounds, MAIN_WINDOW_SIZES, restoreWindowState, type Rect, type WindowState } from '../../../main/adapters/window-bounds'

// Work areas as Electron reports them (DIP, menu bars and task bars already taken off).
const laptop: Rect = { x: 0, y: 25, width: 1440, height: 875 }
const external: Rect = { x: 1440, y: 0, width: 2560, height: 1415 } // to the right of the laptop
const small: Rect = { x: 0, y: 0, width: 1024, height: 600 }

function inside(r: Rect, area: Rect): boolean {
  return r.x >= area.x && r.y >= area.y && r.x + r.width <= area.x + area.width && r.y + r.height <= area.y + area.height
}

const saved = (bounds: Rect, maximized = false): WindowState => ({ bounds, maximized })

describe('defaultBounds', () => {
  it('centres the default size on the primary work area', () => {
    expect(defaultBounds(laptop)).toEqual({ x: 120, y: 63, width: 1200, height: 800 })
  })

  it('shrinks to a screen smaller than the default (and smaller than the minimum) size', () => {
    const b = defaultBounds(small)
    expect(b.width).toBeLessThanOrEqual(small.width)
    expect(b.height).toBe(small.height) // 600 < 800 default; above the 520 minimum
    expect(inside(b, small)).toBe(true)
    const tiny: Rect = { x: 0, y: 0, width: 640, height: 480 }
    expect(inside(defaultBounds(tiny), tiny)).toBe(true) // the screen wins over minWidth 760
  })
})

describe('restoreWindowState', () => {
  it('gives the default placement when nothing was saved', () => {
    expect(restoreWindowState(null, [laptop], laptop)).toEqual({ bounds: defaultBounds(laptop), maximized: false })
  })

  it('puts a window back exactly where it was when that is still on screen', () => {
    const b = { x: 100, y: 80, width: 1000, height: 700 }
    expect(restoreWindowState(saved(b), [laptop, external], laptop)).toEqual({ bounds: b, maximized: false })
    const onExternal = { x: 2000, y: 200, width: 1600, height: 1000 }
    expect(restoreWindowState(saved(onExternal, true), [laptop, external], laptop)).toEqual({ bounds: onExternal, maximized: true })
  })

  it('nudges a window that hangs over the edge back inside the display it mostly covers', () => {
    const r = restoreWindowState(saved({ x: 1000, y: 500, width: 1000, height: 700 }), [laptop], laptop)
    expect(inside(r.bounds, laptop)).toBe(true)
    expect(r.bounds).toEqual({ x: 440, y: 200, width: 1000, height: 700 })
  })

  it('shrinks a window larger than its display (e.g. the resolution went down)', () => {
    const r = restoreWindowState(saved({ x: 0, y: 0, width: 2400, height: 1400 }), [small], small)
    expect(r.bounds).toEqual(small)
  })

  it('picks the display with the largest overlap for a window spanning two', () => {
    const spanning = { x: 1200, y: 100, width: 1200, height: 800 } // 240 px on the laptop, 960 on the external
    expect(bestDisplay(spanning, [laptop, external])?.area).toBe(external)
    const r = restoreWindowState(saved(spanning), [laptop, external], laptop)
    expect(inside(r.bounds, external)).toBe(true)
    expect(r.bounds.width).toBe(1200)
  })

  it('brings back a window from an unplugged monitor: saved size, centred on the primary display, maximized kept', () => {
    const wasOnExternal = { x: 2000, y: 200, width: 1000, height: 700 }
    const r = restoreWindowState(saved(wasOnExternal, true), [laptop], laptop)
    expect(r.maximized).toBe(true)
    expect(r.bounds).toEqual({ x: 220, y: 113, width: 1000, height: 700 })
    expect(inside(r.bounds, laptop)).toBe(true)
  })

  it('treats a window with only a sliver on screen as off-screen', () => {
    const sliver = { x: laptop.width - 20, y: 100, width: 1000, height: 700 } // 20 px visible: cannot be grabbed
    const r = restoreWindowState(saved(sliver), [laptop], laptop)
    expect(r.bounds.x).toBe(220) // centred, not nudged
    const farAway = { x: -5000, y: -5000, width: 900, height: 600 }
    expect(inside(restoreWindowState(saved(farAway), [laptop, external], laptop).bounds, laptop)).toBe(true)
  })

  it('enforces the minimum size and rounds fractional coordinates', () => {
    const r = restoreWindowState(saved({ x: 10.4, y: 40.6, width: 200, height: 100 }), [laptop], laptop)
    expect(r.bounds).toEqual({ x: 10, y: 41, width: MAIN_WINDOW_SIZES.minWidth, height: MAIN_WINDOW_SIZES.minHeight })
  })

  it('ignores nonsense bounds', () => {
    for (const bounds of [
      { x: Number.NaN, y: 0, width: 800, height: 600 },
      { x: 0, y: 0, width: 0, height: 600 },
      { x: 0, y: 0, width: 800, height: -1 },
      { x: 0, y: Number.POSITIVE_INFINITY, width: 800, height: 600 },
    ]) {
      expect(restoreWindowState(saved(bounds, true), [laptop], laptop)).toEqual({ bounds: defaultBounds(laptop), maximized: false })
    }
  })

  it('copes with no displays reported at all', () => {
    const r = restoreWindowState(saved({ x: 100, y: 100, width: 900, height: 600 }), [], laptop)
    expect(inside(r.bounds, laptop)).toBe(true)
  })
})

describe('clampToArea', () => {
  it('moves but never grows a window', () => {
    expect(clampToArea({ x: -300, y: -300, width: 900, height: 600 }, laptop)).toEqual({ x: 0, y: 25, width: 900, height: 600 })
  })
})
