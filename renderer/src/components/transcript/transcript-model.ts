import { TRANSCRIPT_LANES, type Direction, type TranscriptLane, type TranscriptLine } from '@contract'

/** Multi-line replies with at least this many lines fold into one row (EHLO capability lists). */
export const FOLD_MIN = 3

export const DIRECTIONS: readonly Direction[] = ['c', 's', 'tls', 'info', 'err']

/** A line's lane: `main` for the job's own exchange (the SMTP session, the HTTPS request), else the lane it names (the delivery watch's IMAP). */
export type LaneKey = 'main' | TranscriptLane
export const LANES: readonly LaneKey[] = ['main', ...TRANSCRIPT_LANES]
export const laneOf = (line: Pick<TranscriptLine, 'lane'>): LaneKey => line.lane ?? 'main'
const noLaneCounts = (): Record<LaneKey, number> => Object.fromEntries(LANES.map((l) => [l, 0])) as Record<LaneKey, number>

export interface ViewOptions {
  /** Directions shown. */
  dirs: ReadonlySet<Direction>
  /** Lanes shown (default: all). */
  lanes?: ReadonlySet<LaneKey>
  /** Case-insensitive text filter; while it is set nothing folds. */
  query: string
  /** Start line of each multi-line reply the user unfolded. */
  expanded: ReadonlySet<number>
}

const REPLY = /^(\d{3})([- ])/

/**
 * The rows a transcript view shows, built incrementally as lines stream in (no reactivity, no
 * per-line objects: a number array of line indices). A multi-line reply of FOLD_MIN lines or more
 * shows as one row (its first line) unless the user unfolded it; `members` lists each such
 * reply's lines. Replies are grouped per port, so a probe's interleaved ports fold correctly.
 */
export class TranscriptIndex {
  /** Line index of each row. */
  rowLine: number[] = []
  /** First line of each foldable reply → all its line indices. */
  members = new Map<number, number[]>()
  /** Replies shown folded (their first line's index). */
  folded = new Set<number>()
  counts: Record<Direction, number> = { c: 0, s: 0, tls: 0, info: 0, err: 0 }
  /** Lines per lane (all of them, whatever the filters). */
  laneCounts = noLaneCounts()
  hasPorts = false
  /** Some line belongs to a lane beside the main exchange: the view shows a lane column. */
  hasLanes = false
  private processed = 0
  private lines: readonly TranscriptLine[] | null = null
  private needle = ''
  private open = new Map<number, { start: number; code: string; lines: number[] }>()

  constructor(private opts: ViewOptions) {
    this.needle = opts.query.trim().toLowerCase()
  }

  get rows(): number {
    return this.rowLine.length
  }

  /** Starts again with new options (filters, search, folding). */
  reset(opts: ViewOptions = this.opts): void {
    this.opts = opts
    this.needle = opts.query.trim().toLowerCase()
    this.rowLine = []
    this.members = new Map()
    this.folded = new Set()
    this.counts = { c: 0, s: 0, tls: 0, info: 0, err: 0 }
    this.laneCounts = noLaneCounts()
    this.hasPorts = false
    this.hasLanes = false
    this.processed = 0
    this.open = new Map()
  }

  /** Takes in lines [processed, count) of `lines`; a different array starts over. Returns whether anything was added. */
  update(lines: readonly TranscriptLine[], count: number): boolean {
    if (lines !== this.lines || count < this.processed) {
      this.lines = lines
      this.reset()
    }
    const end = Math.min(count, lines.length)
    const from = this.processed
    for (let i = from; i < end; i++) this.take(lines, i)
    this.processed = Math.max(this.processed, end)
    return end > from
  }

  /** The lines row `r` stands for (a folded reply's every line). */
  linesOf(r: number): number[] {
    const first = this.rowLine[r]!
    return this.folded.has(first) ? this.members.get(first)! : [first]
  }

  private passes(line: TranscriptLine): boolean {
    if (!this.opts.dirs.has(line.dir)) return false
    if (this.opts.lanes && !this.opts.lanes.has(laneOf(line))) return false
    return !this.needle || line.text.toLowerCase().includes(this.needle)
  }

  private canFold(start: number): boolean {
    return !this.needle && this.opts.dirs.has('s') && !this.opts.expanded.has(start)
  }

  private take(lines: readonly TranscriptLine[], i: number): void {
    const line = lines[i]!
    this.counts[line.dir]++
    this.laneCounts[laneOf(line)]++
    if (line.port !== undefined) this.hasPorts = true
    if (line.lane !== undefined) this.hasLanes = true
    // Replies fold per port, and per lane: an IMAP line never continues an SMTP reply.
    const key = line.lane !== undefined ? -2 - TRANSCRIPT_LANES.indexOf(line.lane) : (line.port ?? -1)
    const m = line.dir === 's' ? REPLY.exec(line.text) : null
    const g = this.open.get(key)
    if (g && m && m[1] === g.code) {
      // A continuation of this port's multi-line reply.
      g.lines.push(i)
      if (m[2] === ' ') this.open.delete(key)
      if (g.lines.length >= FOLD_MIN) this.members.set(g.start, g.lines)
      if (!this.passes(line)) return
      if (!this.canFold(g.start)) {
        this.rowLine.push(i)
        return
      }
      if (this.folded.has(g.start)) return
      if (g.lines.length >= FOLD_MIN) {
        // Long enough to fold now: drop the rows of its lines after the first.
        const hide = new Set(g.lines.slice(1))
        let w = this.rowLine.lastIndexOf(g.start) + 1
        for (let r = w; r < this.rowLine.length; r++) if (!hide.has(this.rowLine[r]!)) this.rowLine[w++] = this.rowLine[r]!
        this.rowLine.length = w
        this.folded.add(g.start)
        return
      }
      this.rowLine.push(i)
      return
    }
    if (m && m[2] === '-') this.open.set(key, { start: i, code: m[1]!, lines: [i] })
    else this.open.delete(key)
    if (this.passes(line)) this.rowLine.push(i)
  }
}

/** A text piece of a line: plain, a redaction marker, or a search match. */
export interface Segment {
  text: string
  kind: 'text' | 'redacted' | 'match'
}

export const REDACTED = '[redacted]'

/** Splits a line into plain text, `[redacted]` markers (shown as pills) and search matches. */
export function segments(text: string, query = ''): Segment[] {
  const out: Segment[] = []
  const needle = query.trim().toLowerCase()
  const parts = text.split(REDACTED)
  parts.forEach((part, i) => {
    if (part) {
      if (!needle) out.push({ text: part, kind: 'text' })
      else {
        const lower = part.toLowerCase()
        let at = 0
        for (let hit = lower.indexOf(needle); hit >= 0; hit = lower.indexOf(needle, at)) {
          if (hit > at) out.push({ text: part.slice(at, hit), kind: 'text' })
          out.push({ text: part.slice(hit, hit + needle.length), kind: 'match' })
          at = hit + needle.length
        }
        if (at < part.length) out.push({ text: part.slice(at), kind: 'text' })
      }
    }
    if (i < parts.length - 1) out.push({ text: REDACTED, kind: 'redacted' })
  })
  return out
}

/** The keywords of a folded reply's other lines: "PIPELINING · SIZE 10240000 · STARTTLS". */
export function foldSummary(lines: readonly TranscriptLine[], members: readonly number[]): string {
  return members
    .slice(1, 25)
    .map((i) => lines[i]!.text.replace(REPLY, '').trim())
    .join(' · ')
}
