// `npm run web`: the Mailprobe interface in a browser on 127.0.0.1, the real core behind a WebSocket.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { LOOPBACK, startWebServer, WebServerError } from './server'
import { defaultDataDir, openWebServices, webClientFactory } from './services'

export const DEFAULT_PORT = 5178

const USAGE = `Usage: node out/web/server.cjs [--port N] [--data-dir DIR]

Serves the Mailprobe interface on http://${LOOPBACK}:PORT/ with a random access token in the URL.
  --port N        port on ${LOOPBACK} (default ${DEFAULT_PORT}; 0 = any free port)
  --data-dir DIR  where profiles and history are kept (default ${defaultDataDir()})
  --host ${LOOPBACK}  the only address it listens on; use an SSH tunnel to reach it from elsewhere
`

class UsageError extends Error {}

function parse(argv: string[]): { port: number; dataDir: string; host: string } | 'help' {
  let values: { port?: string; 'data-dir'?: string; host?: string; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
  if (values.help) return 'help'
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port)
  if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) throw new UsageError(`--port wants a number from 0 to 65535, not ${JSON.stringify(values.port)}.`)
  if (port > 65535) throw new UsageError(`--port wants a number from 0 to 65535, not ${port}.`)
  return { port, dataDir: resolve(values['data-dir'] ?? defaultDataDir()), host: values.host ?? LOOPBACK }
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>
  try {
    args = parse(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`mailprobe web: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (args === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  if (args.host !== LOOPBACK) {
    process.stderr.write(
      `mailprobe web: --host ${args.host} refused: the host listens on ${LOOPBACK} only (anyone who reaches it can run network jobs from this machine). Use an SSH tunnel: ssh -L ${DEFAULT_PORT}:${LOOPBACK}:${DEFAULT_PORT} host.\n`,
    )
    return 2
  }
  mkdirSync(args.dataDir, { recursive: true, mode: 0o700 })
  const services = await openWebServices(args.dataDir)
  const server = await startWebServer({
    rendererDir: resolve(__dirname, '..', 'renderer'),
    port: args.port,
    host: args.host,
    createClient: webClientFactory(services),
  })
  process.stdout.write(`Mailprobe web: ${server.url}\n`)
  process.stdout.write(`Data: ${args.dataDir}. Secrets are kept in memory only; Ctrl+C stops the host.\n`)
  for (const issue of services.issues()) process.stderr.write(`mailprobe web: ${issue.message}\n`)
  const sandbox = services.sandbox.status()
  if (sandbox.info)
    process.stdout.write(
      `Sandbox: SMTP STARTTLS ${sandbox.info.smtp.starttls}, implicit TLS ${sandbox.info.smtp.tls}, plain ${sandbox.info.smtp.plain}; API ${sandbox.info.api.url} (on 127.0.0.1, delivers nowhere).\n`,
    )
  else if (sandbox.problem) process.stderr.write(`mailprobe web: the sandbox is not running: ${sandbox.problem}\n`)

  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      process.stdout.write(`Mailprobe web: stopping (${signal}).\n`)
      void server
        .close()
        // The sandbox stops, and pending profile, History and settings writes land before the process goes.
        .then(() => services.close())
        .catch((err: unknown) => process.stderr.write(`mailprobe web: could not finish writing: ${String(err)}\n`))
        .then(() => done())
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
    // Everything is closed by now; a straggling handle must not keep a stopped host alive.
    setTimeout(() => process.exit(), 2000).unref()
  },
  (err: unknown) => {
    process.stderr.write(`mailprobe web: ${err instanceof WebServerError ? err.message : `internal error: ${err instanceof Error ? err.stack : String(err)}`}\n`)
    process.exitCode = 1
  },
)
