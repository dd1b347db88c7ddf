#!/usr/bin/env node
'use strict'
// The `mailprobe` command. It runs out/cli/mailprobe.cjs, the one-file bundle that `npm run build:cli`
// makes (npm install runs it), compiled with the V8 code cache the build leaves beside it: V8 then
// neither parses the bundle nor compiles the functions a run uses, most of what starting would cost.
// A cache that is missing, made for another build of the bundle, or refused by this Node's V8 is
// passed over without a word: the bundle is then compiled from its source, as a plain require would.
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require('node:fs')
const path = require('node:path')

const BUNDLE = path.join(__dirname, '..', 'out', 'cli', 'mailprobe.cjs')
/** `mailprobe-code-cache <build id>\n`, then V8's data. */
const CACHE = `${BUNDLE}.v8cache`
const CACHE_MAGIC = 'mailprobe-code-cache '
/** The bundle's first line names its build: `// mailprobe build <id>`. */
const BUILD_LINE = '// mailprobe build '

/** The bundle's text. It is ASCII (the build checks): read as Latin-1, it becomes V8's compact one-byte string at once. */
function bundleSource(bytes) {
  return require('node:buffer').isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
}

/** The build id on the bundle's first line, or null. */
function buildIdOf(source) {
  if (!source.startsWith(BUILD_LINE)) return null
  const end = source.indexOf('\n')
  return end < 0 ? null : source.slice(BUILD_LINE.length, end)
}

/** The cache file's build id and V8 data, or null when there is none that can be read. */
function readCache(file = CACHE) {
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
 * The bundle compiled as the CommonJS loader wraps a module, with V8's cached data when given
 * (script.cachedDataRejected then says whether V8 took it). Null on a Node without the default loader
 * for the bundle's import() calls. The build makes the cache through this same function.
 */
function compileBundle(source, cachedData) {
  const vm = require('node:vm')
  const importModuleDynamically = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER
  if (!importModuleDynamically) return null
  return new vm.Script(require('node:module').wrap(source), { filename: BUNDLE, cachedData, importModuleDynamically })
}

/** Runs the compiled bundle as the module it is: its own module object, require and __dirname. */
function runBundle(script) {
  const { Module, createRequire } = require('node:module')
  const mod = new Module(BUNDLE, module)
  mod.filename = BUNDLE
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, path.dirname(BUNDLE))
  mod.loaded = true
}

function start() {
  const cache = readCache()
  if (cache) {
    let source = null
    try {
      source = bundleSource(fs.readFileSync(BUNDLE))
    } catch {
      // No bundle: the plain require below says so, as it always has.
    }
    const script = source !== null && buildIdOf(source) === cache.id ? compileBundle(source, cache.data) : null
    // A refused cache leaves a script compiled from source: as good as the plain require.
    if (script) return runBundle(script)
  }
  require(BUNDLE)
}

module.exports = { BUNDLE, CACHE, CACHE_MAGIC, BUILD_LINE, bundleSource, buildIdOf, readCache, compileBundle, runBundle }

if (require.main === module) start()
