'use strict'
// Makes V8's code caches for a CLI bundle and the bundles it loads; build/cli.ts runs it in a Node of
// its own, since a cache must come from a plain `node` like the one bin/mailprobe.cjs runs in. The
// bundle is compiled as the bin compiles it and run once per training command given (each after the
// one before has finished); then every bundle compiled meanwhile gets a cache holding the compiled
// code of every function those runs used, not only its top level. Without training commands, the
// bundle's cache holds its top level.
//
//   node build/cli-code-cache.cjs <bundle> [<JSON array of arguments>]...
//
// The training runs' output is not shown; their exit statuses are, on stderr, when one is not 0.
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require('node:fs')
const bin = require('../bin/mailprobe.cjs')

const [bundle, ...runs] = process.argv.slice(2)
const script = bin.compile(bundle)
if (!script) throw new Error(`cannot read ${bundle}`)
const commands = runs.map((r) => JSON.parse(r))
const failed = []

// Only the caches are wanted from the training runs.
process.stdout.write = () => true

function next() {
  const args = commands.shift()
  if (!args) return
  process.argv = [process.argv[0], bundle, ...args]
  bin.execute(bundle, script)
  // The run is over when the event loop has nothing left; 'beforeExit' then starts the next one.
  process.once('beforeExit', () => {
    if (process.exitCode) failed.push(`mailprobe ${args.join(' ')} → exit ${process.exitCode}`)
    process.exitCode = 0
    next()
  })
}

process.on('exit', () => {
  for (const [file, { script: compiled, id }] of bin.compiled) {
    if (id === null) continue
    const cache = bin.cacheFileOf(file)
    const tmp = `${cache}.${process.pid}.tmp`
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${bin.CACHE_MAGIC}${id}\n`, 'latin1'), compiled.createCachedData()]))
    fs.renameSync(tmp, cache)
  }
  if (failed.length) {
    process.stderr.write(`training runs that failed:\n  ${failed.join('\n  ')}\n`)
    process.exitCode = 1
  }
})

next()
