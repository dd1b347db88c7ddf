/** The hues of the phase waterfall (and the Lab's stacked bars): waiting on the network, TLS work, server think time, and the wait for delivery. */
export type PhaseKind = 'tls' | 'server' | 'network' | 'delivery'

/** Waiting on the network, TLS work, server think time (end of data, HTTP time to first byte) and the delivery watch get their own hues. */
export function phaseKind(name: string): PhaseKind {
  if (name === 'delivery') return 'delivery'
  if (/^tls|handshake/i.test(name)) return 'tls'
  if (/data-?ack|end-?of-?data|^wait$/i.test(name)) return 'server'
  return 'network'
}

/** The CSS colour of a phase kind: the waterfall's bars, the Lab's stacked bars, their legend. */
export const PHASE_COLOURS: Record<PhaseKind, string> = {
  network: 'var(--mp-phase-network, #2f7de1)',
  tls: 'var(--mp-tone-tls, #8a5cf5)',
  server: 'var(--mp-phase-server, #d9900b)',
  delivery: 'var(--mp-phase-delivery, #0f9aa0)',
}
