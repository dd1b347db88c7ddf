// Builds the `mailprobe` command (npm run build:cli; npm install runs it through `prepare`) into out/cli/:
//
//  - mailprobe.cjs: main/cli.ts with everything it uses, its npm dependencies included, in one file:
//    starting reads one file instead of having the CommonJS loader find and read ~140. This is every
//    command; the tests run it as `node out/cli/mailprobe.cjs`.
//  - mailprobe-smtp.cjs: the same for send and verify only (the commands with a module of their own
//    are left out, and so are --oauth, --await-inbox and --dkim-*: the bin runs a send with a saved
//    sign-in, a mailbox to watch or a DKIM signature from mailprobe.cjs;
//    nodemailer is in a bundle of its own, nodemailer.cjs, which it loads through the
//    bin when a session first needs it: after the connection is open, while the greeting is on its
//    way): 0.35 MB instead of 1.5 to read and compile before the first packet. bin/mailprobe.cjs runs
//    send and verify from it.
//  - <bundle>.v8cache: V8's code cache for each, with which bin/mailprobe.cjs compiles it. The SMTP
//    bundle's and nodemailer's are made after training runs against the embedded sandbox started here
//    (a STARTTLS + AUTH send, as text and as JSON), so they also hold the compiled code of every
//    function a send uses; when that cannot run, the SMTP bundle's holds its top level only, with a warning.
//
// The bundles have no whitespace or comments (less to read and parse) and are ASCII (they load as
// compact one-byte strings). Their first line names the build (a hash of the rest); a cache names the
// build it was made for.
//
// Run: npx tsx build/cli.ts
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'
import { startSandbox } from '../main/core/sandbox'

const ROOT = resolve(__dirname, '..')
const OUT = join(ROOT, 'out/cli')
const MAKE_CACHE = join(ROOT, 'build/cli-code-cache.cjs')
const TRAINING_PASSWORD_ENV = 'MAILPROBE_TRAINING_PASSWORD'

/**
 * In the SMTP bundle, main/cli.ts's commands with a module of their own; the saved sign-ins run.ts
 * loads for --oauth (main/core/oauth and openid-client); what it loads for --await-inbox and --dkim-*
 * (inbox-run.ts), the mailbox watch the engine loads after acceptance (main/core/delivery with
 * imapflow and mailauth) and nodemailer's DKIM signer: bin/mailprobe.cjs never runs them from it, so
 * that a plain send reads and compiles none of them.
 */
const LEFT_OUT = new Set([
  ...['api', 'sandbox', 'compare', 'probe', 'oauth', 'domain', 'check', 'oauth-run', 'inbox-run'].map((m) => join(ROOT, 'main/cli', m)),
  join(ROOT, 'main/core/delivery/index'),
  'nodemailer/lib/dkim',
])
const smtpOnly: Plugin = {
  name: 'smtp-only',
  setup(b) {
    b.onResolve({ filter: /^(\.\.?\/[a-z/.-]+|nodemailer\/lib\/dkim)$/ }, (args) => {
      const target = args.path.startsWith('.') ? resolve(dirname(args.importer), args.path) : args.path
      return LEFT_OUT.has(target) ? { path: args.path, namespace: 'smtp-only' } : undefined
    })
    b.onLoad({ filter: /.*/, namespace: 'smtp-only' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path.replace(/^(\.\.?\/)+(cli\/)?/, '')} is not in the send/verify bundle: run it through bin/mailprobe.cjs or out/cli/mailprobe.cjs`)})`,
      loader: 'js',
    }))
  },
}

/** The parts of nodemailer the engine imports (always as import('nodemailer/lib/<part>')). */
const NODEMAILER_PARTS = ['smtp-connection', 'mail-composer', 'xoauth2']

/** nodemailer.cjs: those parts, each evaluated when first asked for. */
const NODEMAILER_ENTRY = NODEMAILER_PARTS.map((part) => `exports[${JSON.stringify(part)}] = () => require('nodemailer/lib/${part}')`).join('\n')

/** In the SMTP bundle, nodemailer's parts come from nodemailer.cjs beside it, loaded through the bin (with its code cache). */
const nodemailerApart: Plugin = {
  name: 'nodemailer-apart',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^nodemailer/lib/(${NODEMAILER_PARTS.join('|')})$`) }, (args) => ({ path: args.path.slice('nodemailer/lib/'.length), namespace: 'nodemailer-apart' }))
    b.onLoad({ filter: /.*/, namespace: 'nodemailer-apart' }, (args) => ({
      contents: `const { join } = require('node:path')\nmodule.exports = require(join(__dirname, '../../bin/mailprobe.cjs')).load(join(__dirname, 'nodemailer.cjs'))[${JSON.stringify(args.path)}]()`,
      loader: 'js',
    }))
  },
}

/** Writes through a temporary file and a rename: a `mailprobe` starting meanwhile sees the old file or the new one. */
function writeAtomically(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, data)
  renameSync(tmp, file)
}

/** Bundles main/cli.ts (or the entry given as text) into `file`, its build id on the first line. */
async function bundle(file: string, o: { plugins?: Plugin[]; entry?: string } = {}): Promise<void> {
  const out = await build({
    ...(o.entry === undefined ? { entryPoints: [join(ROOT, 'main/cli.ts')] } : { stdin: { contents: o.entry, resolveDir: ROOT, sourcefile: 'nodemailer-entry.js', loader: 'js' } }),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifyWhitespace: true,
    charset: 'ascii',
    // The licences of what is bundled go beside it (<bundle>.LEGAL.txt), not into the code: one of them is not ASCII.
    legalComments: 'external',
    // import() becomes require(): a script compiled from a V8 code cache has no dynamic-import callback in Node 20.
    supported: { 'dynamic-import': false },
    outfile: file,
    write: false,
    metafile: true,
    plugins: o.plugins ?? [],
    logLevel: 'warning',
  })
  const text = out.outputFiles.find((f) => f.path === file)!.text
  const legal = out.outputFiles.find((f) => f.path !== file)
  if (legal) writeAtomically(legal.path, legal.text)
  const name = file.slice(ROOT.length + 1)
  const nonAscii = text.match(/\P{ASCII}/gu)
  if (nonAscii)
    console.warn(
      `build:cli: ${name} has ${nonAscii.length} non-ASCII character(s) esbuild left as they are (${[...new Set(nonAscii)].join(' ')}: in a regular expression?), so it loads as a two-byte string, slower. Write them as \\u escapes in the source.`,
    )
  // zod is tree-shaken only when every module imports it as a namespace (import * as z from 'zod'); one
  // `import { z }` keeps all of it, its 40 locales included: 0.45 MB more to read and compile at each start.
  const kept = Object.entries(Object.values(out.metafile.outputs)[0]!.inputs).filter(([, i]) => i.bytesInOutput > 0)
  const zodLocales = kept.filter(([p]) => /zod\/v4\/locales\/(?!en\.|index\.)/.test(p))
  if (zodLocales.length) console.warn(`build:cli: all of zod is in ${name} (${zodLocales.length} locales): a module imports { z } from 'zod'; write import * as z from 'zod'.`)
  const id = createHash('sha256').update(text).digest('hex').slice(0, 16)
  writeAtomically(file, `// mailprobe build ${id}\n${text}`)
}

/** Runs build/cli-code-cache.cjs in a plain Node; resolves with its stderr when it fails, null when it succeeds. */
function makeCache(file: string, runs: string[][] = [], env: NodeJS.ProcessEnv = {}): Promise<string | null> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAKE_CACHE, file, ...runs.map((r) => JSON.stringify(r))], {
      cwd: ROOT,
      // A plain node (no tsx hooks, no NODE_OPTIONS): the flags the bin runs with, which V8 checks a cache against.
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (status) => resolvePromise(status === 0 ? null : stderr.trim() || `exit ${status}`))
  })
}

/** The caches of the SMTP bundle and of what it loads, trained on sends to the sandbox; its top level only when they cannot run. */
async function makeTrainedCache(file: string): Promise<void> {
  let failure: string | null
  try {
    const sb = await startSandbox()
    try {
      const send = [
        ...['send', '--host', sb.host, '--port', String(sb.smtp.starttls), '--security', 'starttls', '--ca', sb.caFile],
        ...['--user', sb.user, '--password-env', TRAINING_PASSWORD_ENV, '--auth', 'plain'],
        ...['--from', 'build@example.test', '--to', 'build@example.test', '--subject', 'code cache', '--text', 'training run'],
      ]
      failure = await makeCache(file, [send, [...send, '--json']], { [TRAINING_PASSWORD_ENV]: sb.password })
    } finally {
      await sb.close()
    }
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err)
  }
  if (!failure) return
  console.warn(`build:cli: the training runs for ${file.slice(ROOT.length + 1)}'s code cache failed, so it holds the top level only:\n${failure}`)
  await makeTopLevelCache(file)
}

async function makeTopLevelCache(file: string): Promise<void> {
  const failure = await makeCache(file)
  if (failure) console.warn(`build:cli: no code cache for ${file.slice(ROOT.length + 1)} (bin/mailprobe.cjs compiles it from source):\n${failure}`)
}

async function main() {
  mkdirSync(OUT, { recursive: true })
  const full = join(OUT, 'mailprobe.cjs')
  const smtp = join(OUT, 'mailprobe-smtp.cjs')
  const nodemailer = join(OUT, 'nodemailer.cjs')
  await Promise.all([bundle(full), bundle(smtp, { plugins: [smtpOnly, nodemailerApart] }), bundle(nodemailer, { entry: NODEMAILER_ENTRY })])
  // A cache from an earlier build would be passed over anyway (another build id); gone, it cannot mislead.
  for (const f of [full, smtp, nodemailer]) rmSync(`${f}.v8cache`, { force: true })
  await makeTopLevelCache(full)
  await makeTrainedCache(smtp)
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
