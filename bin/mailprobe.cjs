#!/usr/bin/env node
'use strict'
// The `mailprobe` command. It runs a bundle that `npm run build:cli` makes (npm install runs it):
// out/cli/mailprobe-smtp.cjs for send and verify (those two alone: less to read and compile), else
// out/cli/mailprobe.cjs (every command, and send and verify with a saved sign-in, --oauth NAME, or
// with delivery proof or DKIM, --await-inbox / --inbox-* / --dkim-*: the send/verify bundle leaves
// OAuth2 and openid-client, the mailbox watch with imapflow and mailauth, and the DKIM signer out). Each bundle is compiled with the V8 code cache the build
// leaves beside it, so V8 neither parses the bundle nor compiles the functions a run uses. A cache
// that is missing, made for another build of the bundle, or refused by this Node's V8 is passed over
// without a word: the bundle is then compiled from its source, as a plain require would.
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require('node:fs')
const path = require('node:path')

const DIR = path.join(__dirname, '..', 'out', 'cli')
/** Every command: also what the tests run, as `node out/cli/mailprobe.cjs`. */
const BUNDLE = path.join(DIR, 'mailprobe.cjs')
/** send and verify only; it loads nodemailer from NODEMAILER_BUNDLE, through load() below, when a session first needs it. */
const SMTP_BUNDLE = path.join(DIR, 'mailprobe-smtp.cjs')
const NODEMAILER_BUNDLE = path.join(DIR, 'nodemailer.cjs')
const SMTP_COMMANDS = ['send', 'verify']
/** A code cache file: `mailprobe-code-cache <build id>\n`, then V8's data. */
const CACHE_MAGIC = 'mailprobe-code-cache '
/** A bundle's first line names its build: `// mailprobe build <id>`. */
const BUILD_LINE = '// mailprobe build '

const cacheFileOf = (bundle) => `${bundle}.v8cache`

/** Bundles compiled in this process, by file, with their build ids: the build's trainer writes a cache for each. */
const compiled = new Map()
/** Bundles loaded by load(), by file: their module objects. */
const loaded = new Map()

/** A bundle's text. It is ASCII (the build sees to it): read as Latin-1, it becomes V8's compact one-byte string at once. */
function bundleSource(bytes) {
  return require('node:buffer').isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
}

/** The build id on a bundle's first line, or null. */
function buildIdOf(source) {
  if (!source.startsWith(BUILD_LINE)) return null
  const end = source.indexOf('\n')
  return end < 0 ? null : source.slice(BUILD_LINE.length, end)
}

/** A cache file's build id and V8 data, or null when there is none that can be read. */
function readCache(file) {
  let bytes
  try {
    bytes = fs.readFileSync(file)
  } catch {
    return null
  }
  const end = bytes.indexOf(10)
  if (end < 0 || end > 200 || bytes.toString('latin1', 0, CACHE_MAGIC.length) !== CACHE_MAGIC) return null
  return { id: bytes.toString('latin1', CACHE_MAGIC.length, end), data: bytes.subarray(end + 1) }
}

/**
 * A bundle compiled as the CommonJS loader wraps a module, from its code cache when that was made for
 * this build of it (script.cachedDataRejected then says whether V8 took it; refused, V8 compiles from
 * source). Null when the bundle cannot be read. The bundles have no import() (the build turns it into
 * require()): a script compiled from cached data has no dynamic-import callback in Node 20.
 */
function compile(file) {
  let source
  try {
    source = bundleSource(fs.readFileSync(file))
  } catch {
    return null
  }
  const id = buildIdOf(source)
  const cache = id === null ? null : readCache(cacheFileOf(file))
  const cachedData = cache && cache.id === id ? cache.data : undefined
  const script = new (require('node:vm').Script)(require('node:module').wrap(source), { filename: file, cachedData })
  compiled.set(file, { script, id })
  return script
}

/** Runs a compiled bundle as the module it is (its own module object, require and __dirname); returns the module. */
function execute(file, script) {
  const { Module, createRequire } = require('node:module')
  const mod = new Module(file, module)
  mod.filename = file
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file))
  mod.loaded = true
  return mod
}

/** A bundle's exports, loaded once per process through its code cache (a plain require when it cannot be read). */
function load(file) {
  let mod = loaded.get(file)
  if (!mod) {
    const script = compile(file)
    mod = script ? execute(file, script) : { exports: require(file) }
    loaded.set(file, mod)
  }
  return mod.exports
}

/** True when an option matching `pattern` comes before any `--`. */
function hasOption(args, pattern) {
  for (const a of args) {
    if (a === '--') return false
    if (pattern.test(a)) return true
  }
  return false
}

/** True when the arguments name a saved sign-in: --oauth NAME or --oauth=NAME. */
function usesSignIn(args) {
  return hasOption(args, /^--oauth(=|$)/)
}

/** True when the arguments ask for what the send/verify bundle leaves out: a saved sign-in, a mailbox to watch, DKIM signing. */
function needsFullBundle(args) {
  return hasOption(args, /^--(oauth|await-inbox|inbox-[a-z-]+|dkim-[a-z-]+)(=|$)/)
}

function start() {
  const args = process.argv.slice(2)
  const smtp = SMTP_COMMANDS.includes(args[0]) && !needsFullBundle(args.slice(1)) && fs.existsSync(SMTP_BUNDLE)
  load(smtp ? SMTP_BUNDLE : BUNDLE)
}

module.exports = {
  BUNDLE,
  SMTP_BUNDLE,
  NODEMAILER_BUNDLE,
  SMTP_COMMANDS,
  CACHE_MAGIC,
  BUILD_LINE,
  cacheFileOf,
  bundleSource,
  buildIdOf,
  readCache,
  compile,
  execute,
  load,
  compiled,
  usesSignIn,
  needsFullBundle,
}

if (require.main === module) start()
