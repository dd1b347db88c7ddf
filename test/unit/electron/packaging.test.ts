import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
// electron-builder's own config loader and JSON-schema validator (app-builder-lib ships with
// electron-builder): they read the yml exactly as `npm run dist` will, without packaging anything.
import type { Configuration } from 'electron-builder'
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config'
import { DebugLogger } from 'builder-util'
import { PROJECT_DOCS_URL } from '../../../main/adapters/window-config'

const root = join(__dirname, '../../..')
const CONFIG = 'build/electron-builder.yml'
let config: Configuration

beforeAll(async () => {
  config = await getConfig(root, join(root, CONFIG), null)
}, 30_000)

/** PNG width and height from the IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const png = readFileSync(file)
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

describe('electron-builder configuration', () => {
  it("passes electron-builder's schema", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('the schema check is live: it rejects an unknown fuse', async () => {
    const broken = { ...config, electronFuses: { ...config.electronFuses, runAsNodeee: false } } as Configuration
    await expect(validateConfiguration(broken, new DebugLogger(false))).rejects.toThrow(/electronFuses/)
  })

  it('names the app and keeps build resources and output in place', () => {
    expect(config.productName).toBe('Mailprobe')
    expect(config.appId).toMatch(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/)
    expect(config.directories).toEqual({ buildResources: 'build', output: 'dist' })
    expect(config.asar).toBe(true)
    expect(config.npmRebuild).toBe(false)
  })

  it('packs only the build output and package.json (a whitelist: sources stay out)', () => {
    const patterns = (config.files as { filter: string[] }[] | string[]).flatMap((f) => (typeof f === 'string' ? [f] : f.filter))
    // The CLI's bundles and the browser host are built into out/ too, but are not part of the app.
    expect(patterns.sort()).toEqual(['!out/cli/**', '!out/web/**', 'out/**', 'package.json'])
    for (const source of ['main/', 'preload/', 'renderer/', 'test/', 'build/', 'tsconfig', 'electron.vite.config', '.ci/']) {
      expect(patterns.some((p) => p.startsWith(source))).toBe(false)
    }
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(pkg.main).toMatch(/^\.\/out\//) // the entry point lives inside the whitelist
  })

  it('flips the fuses: no run-as-node, no NODE_OPTIONS, no inspector, asar-only with integrity checks', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    })
  })

  it('keeps file:// privileges while the renderer loads from file:// inside app.asar', () => {
    // With this fuse off, Electron serves file: through Chromium's plain loader, which cannot read
    // inside app.asar; switch it off only together with moving to a custom app:// protocol.
    expect(config.electronFuses?.grantFileProtocolExtraPrivileges).not.toBe(false)
  })

  it('targets AppImage and deb, dmg with the hardened runtime, and nsis', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb'])
    expect(config.linux?.category).toBe('Network;Development')
    expect(config.linux?.maintainer).toBeTruthy() // deb needs one
    expect(config.extraMetadata?.homepage).toBe(PROJECT_DOCS_URL) // deb needs a homepage; the Help menu links there
    expect(config.mac).toMatchObject({ target: 'dmg', hardenedRuntime: true, entitlements: 'build/entitlements.mac.plist' })
    expect(config.win?.target).toBe('nsis')
  })

  it('grants the macOS hardened runtime only JIT', () => {
    const plist = readFileSync(join(root, 'build/entitlements.mac.plist'), 'utf8')
    expect([...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1])).toEqual(['com.apple.security.cs.allow-jit'])
  })

  it('has the icon: a 1024×1024 PNG drawn from icon.svg, plus the Linux size set', () => {
    expect(config.icon).toBe('build/icon.png')
    expect(pngSize(join(root, 'build/icon.png'))).toEqual({ width: 1024, height: 1024 })
    for (const n of [16, 32, 48, 64, 128, 256, 512]) expect(pngSize(join(root, `build/icons/${n}x${n}.png`))).toEqual({ width: n, height: n })
    expect(existsSync(join(root, 'build/icon.svg'))).toBe(true)
  })

  it('is what `npm run dist` uses', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(pkg.scripts.dist).toBe(`npm run build && electron-builder --config ${CONFIG}`)
  })
})
