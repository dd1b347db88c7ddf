// `mailprobe check --every … --metrics-port PORT`: the latest round's figures as OpenMetrics on
// http://127.0.0.1:PORT/metrics for Prometheus (prom-client keeps the registry and the text format).
// Loaded only in watch mode with a port: prom-client is not read by any other command.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Gauge, openMetricsContentType, Registry } from 'prom-client'
import type { CheckOutcome, CheckReport } from '../../preload/contract/checks'

const DAY_MS = 86_400_000

/** The figures a check's result carries beyond its duration, when its kind reports them. */
export function checkFigures(check: Pick<CheckOutcome, 'result'>, now = Date.now()): { roundTrips?: number; certDaysLeft?: number; timeToInboxS?: number } {
  const r = (check.result ?? {}) as { roundTrips?: unknown; tls?: { validTo?: unknown } | null; delivery?: { sendToInboxMs?: unknown } | null }
  const out: { roundTrips?: number; certDaysLeft?: number; timeToInboxS?: number } = {}
  if (typeof r.roundTrips === 'number') out.roundTrips = r.roundTrips
  const validTo = typeof r.tls?.validTo === 'string' ? Date.parse(r.tls.validTo) : NaN
  if (Number.isFinite(validTo)) out.certDaysLeft = Math.floor((validTo - now) / DAY_MS)
  if (typeof r.delivery?.sendToInboxMs === 'number') out.timeToInboxS = r.delivery.sendToInboxMs / 1000
  return out
}

export interface MetricsServer {
  /** http://127.0.0.1:PORT/metrics */
  url: string
  /** Sets the gauges from a finished round and counts it. */
  record(report: CheckReport): void
  close(): Promise<void>
}

/** Listens on 127.0.0.1:port (0: a free port, named in `url`). */
export async function startMetricsServer(port: number): Promise<MetricsServer> {
  const registry = new Registry<typeof openMetricsContentType>()
  registry.setContentType(openMetricsContentType)
  const labelNames = ['check', 'kind'] as const
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers: [registry] })
  const duration = gauge('mailprobe_check_duration_seconds', 'How long the check took in the latest round')
  const roundTrips = gauge('mailprobe_check_round_trips', 'Network round trips the check used in the latest round')
  const success = gauge('mailprobe_check_success', '1 when the check passed in the latest round, 0 when it failed or could not run')
  const certDays = gauge('mailprobe_check_certificate_days_left', "Days until the server certificate's expiry, when the check saw one")
  const inbox = gauge('mailprobe_check_time_to_inbox_seconds', 'From the send to the message seen in the mailbox (deliver checks)')
  const rounds = new Counter({ name: 'mailprobe_check_rounds', help: 'Rounds of the check file run', registers: [registry] })

  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics\n')
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${err instanceof Error ? err.message : String(err)}\n`),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    record(report) {
      rounds.inc()
      for (const check of report.checks) {
        if (check.status === 'skipped') continue
        const labels = { check: check.name, kind: check.kind }
        duration.set(labels, check.durationMs / 1000)
        success.set(labels, check.status === 'pass' ? 1 : 0)
        const f = checkFigures(check)
        // A figure this round did not produce is dropped, so Prometheus does not keep reading an old one.
        const set = (g: Gauge<'check' | 'kind'>, value: number | undefined) => (value === undefined ? g.remove(labels) : g.set(labels, value))
        set(roundTrips, f.roundTrips)
        set(certDays, f.certDaysLeft)
        set(inbox, f.timeToInboxS)
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
