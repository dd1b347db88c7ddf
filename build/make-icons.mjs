// Rasterises build/icon.svg into the PNGs electron-builder uses: build/icon.png (1024×1024, the
// source for macOS .icns and Windows .ico) and build/icons/NxN.png (the Linux set), and copies it to
// renderer/public/favicon.svg (the page's icon, for `npm run web`). The outputs are committed; run
// this only after changing icon.svg:  node build/make-icons.mjs
// Needs rsvg-convert (Debian/Ubuntu: apt-get install librsvg2-bin; macOS: brew install librsvg).
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const svg = join(here, 'icon.svg')
const favicon = join(here, '..', 'renderer', 'public', 'favicon.svg')
const outputs = [[join(here, 'icon.png'), 1024], ...[512, 256, 128, 64, 48, 32, 16].map((n) => [join(here, 'icons', `${n}x${n}.png`), n])]

mkdirSync(join(here, 'icons'), { recursive: true })
for (const [file, size] of outputs) {
  execFileSync('rsvg-convert', ['--width', String(size), '--height', String(size), '--keep-aspect-ratio', '--output', file, svg])
  // IHDR: width and height are the big-endian words at bytes 16 and 20.
  const png = readFileSync(file)
  const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)]
  if (w !== size || h !== size) throw new Error(`${file} came out ${w}×${h}, expected ${size}×${size}`)
  console.log(`${file}  ${w}×${h}  ${png.length} bytes`)
}
copyFileSync(svg, favicon)
console.log(`${favicon}  copy of icon.svg`)
