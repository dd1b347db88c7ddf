// The `mailprobe` command line: parse, then dispatch. Kept small and cheap to load — the engine and
// everything a command needs is imported inside the handler, so --version and --help start fast.
import { CliError, parseCli, type ModuleCommand } from './cli/args'
import { helpHint, helpText, VERSION } from './cli/usage'

async function main(argv: string[]): Promise<number> {
  try {
    const req = parseCli(argv)
    // Before any command module or engine builds a schema.
    if (req.action === 'module' || req.action === 'run') await import('./cli/zod-jitless')
    switch (req.action) {
      case 'version':
        process.stdout.write(`${VERSION}\n`)
        return 0
      case 'help':
        process.stdout.write(helpText(req.topic))
        return 0
      case 'module':
        return await runModule(req.command, req.argv)
      case 'run': {
        const { runCommand } = await import('./cli/run')
        // stdin as a getter: process.stdin builds a stream (and loads Node's stream modules) on first
        // access, ~2 ms a send spends before connecting; only --password-stdin reads it.
        const io = {
          stdout: process.stdout,
          stderr: process.stderr,
          env: process.env,
          signals: process,
          get stdin() {
            return process.stdin
          },
        }
        return await runCommand(req, io)
      }
    }
  } catch (err) {
    if (!(err instanceof CliError)) throw err
    const prefix = err.command ? `mailprobe ${err.command}` : 'mailprobe'
    if ('showUsage' in err && err.showUsage) process.stderr.write(`${prefix}: ${err.message}\n\n${helpText('main')}`)
    else process.stderr.write(`${prefix}: ${err.message}\n${err.exitCode === 2 ? `${helpHint(err.command)}\n` : ''}`)
    return err.exitCode
  }
}

/** Commands with their own module, loaded only when used so that start-up stays cheap. */
async function runModule(command: ModuleCommand, argv: string[]): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process }
  switch (command) {
    case 'api': {
      const { parseApiArgs, runApiCommand } = await import('./cli/api')
      return runApiCommand(parseApiArgs(argv), io)
    }
    case 'sandbox': {
      const { parseSandboxArgs, runSandboxCommand } = await import('./cli/sandbox')
      return runSandboxCommand(parseSandboxArgs(argv), io)
    }
    case 'compare': {
      const { parseCompareArgs, runCompareCommand } = await import('./cli/compare')
      return runCompareCommand(parseCompareArgs(argv), io)
    }
    case 'probe': {
      const { parseProbeArgs, runProbeCommand } = await import('./cli/probe')
      return runProbeCommand(parseProbeArgs(argv), io)
    }
    case 'oauth': {
      const { parseOAuthArgs, runOAuthCommand } = await import('./cli/oauth')
      return runOAuthCommand(parseOAuthArgs(argv), io)
    }
    case 'domain': {
      const { parseDomainArgs, runDomainCommand } = await import('./cli/domain')
      return runDomainCommand(parseDomainArgs(argv), io)
    }
    case 'check': {
      const { parseCheckArgs, runCheckCommand } = await import('./cli/check')
      return runCheckCommand(parseCheckArgs(argv), io)
    }
  }
}

// A closed pipe (`mailprobe … | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
    // Interrupted: leave once the output is written, without waiting for a timer a library left
    // running (openid-client sleeps between device-code polls in steps of up to 5 s, unaware of Ctrl-C).
    if (code === 130) void Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', done)))).then(() => process.exit(code))
  },
  (err: unknown) => {
    process.stderr.write(`mailprobe: internal error: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)
