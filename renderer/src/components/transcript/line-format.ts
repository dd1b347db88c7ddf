import type { Direction, TranscriptLane, TranscriptLine } from '@contract'

/** Colour role of a line's gutter: server replies are judged by their code (4xx amber, 5xx red). */
export type Tone = 'client' | 'server' | 'warn' | 'error' | 'tls' | 'info'

export function lineTone(line: Pick<TranscriptLine, 'dir' | 'text'>): Tone {
  switch (line.dir) {
    case 'c':
      return 'client'
    case 's': {
      const first = /^([1-5])\d\d(?:[ -]|$)/.exec(line.text)?.[1]
      return first === '4' ? 'warn' : first === '5' ? 'error' : 'server'
    }
    case 'tls':
      return 'tls'
    case 'err':
      return 'error'
    default:
      return 'info'
  }
}

export const GUTTER: Record<Direction, { letter: string; label: string }> = {
  c: { letter: 'C', label: 'client' },
  s: { letter: 'S', label: 'server' },
  tls: { letter: 'TLS', label: 'TLS' },
  info: { letter: '·', label: 'info' },
  err: { letter: '!', label: 'error' },
}

/** ms since the job started, one decimal, e.g. "38.1 ms"; past 10 s in seconds ("12.35 s"). */
export function formatMs(t: number): string {
  return t < 10_000 ? `${t.toFixed(1)} ms` : `${(t / 1000).toFixed(2)} s`
}

const SWAKS: Record<Direction, string> = { c: ' -> ', s: '<-  ', tls: ' ~~ ', info: '=== ', err: '*** ' }

/** A lane's tag in the transcript's lane column and in copied text: "IMAP". */
export const LANE_TAG: Record<TranscriptLane, string> = { imap: 'IMAP' }

/** Lines as text, swaks-like: `[  38.1 ms] <-  220 ready`, a lane's lines tagged (`[ 812.0 ms] imap ->  A1 IDLE`), as Copy and the live .txt export give them. */
export function linesToText(lines: readonly TranscriptLine[]): string {
  return (
    lines.map((l) => `[${formatMs(l.t).padStart(10)}]${l.port !== undefined ? ` :${l.port}` : ''}${l.lane !== undefined ? ` ${l.lane}` : ''} ${SWAKS[l.dir]}${l.text}`).join('\n') +
    (lines.length ? '\n' : '')
  )
}
