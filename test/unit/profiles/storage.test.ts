import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { isTempFileOf, removeStaleTempFiles, VersionedJsonFile, writeFileAtomic } from '../../../main/core/storage'
import { removeTempDirs, tempDir } from '../ipc/helpers'

afterEach(removeTempDirs)

const schema = z.object({ items: z.array(z.object({ n: z.number(), pad: z.string() }).strict()) }).strict()
type Data = z.infer<typeof schema>

function file(dir: string, extra: Partial<ConstructorParameters<typeof VersionedJsonFile<Data>>[0]> = {}) {
  return new VersionedJsonFile<Data>({
    path: join(dir, 'things.json'),
    format: 'mailprobe-things',
    version: 2,
    schema,
    label: 'things',
    now: () => new Date('2026-11-28T10:15:00.123Z'),
    ...extra,
  })
}

const data = (n: number, size = 10): Data => ({ items: Array.from({ length: size }, (_, i) => ({ n, pad: `item ${i} of state ${n} `.repeat(4) })) })

describe('writeFileAtomic', () => {
  it('creates the directory, writes the file privately and leaves no temp file', async () => {
    const dir = await tempDir()
    const path = join(dir, 'sub', 'a.json')
    await writeFileAtomic(path, 'one')
    await writeFileAtomic(path, 'two')
    expect(await readFile(path, 'utf8')).toBe('two')
    expect(await readdir(join(dir, 'sub'))).toEqual(['a.json'])
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('recognises only its own temp files and removes them', async () => {
    const dir = await tempDir()
    const path = join(dir, 'profiles.json')
    expect(isTempFileOf('profiles.json.2147483646-0123456789ab.tmp', path)).toBe(true)
    expect(isTempFileOf('profiles.json.corrupt-2026.tmp', path)).toBe(false)
    expect(isTempFileOf('other.json.1234-0123456789ab.tmp', path)).toBe(false)
    await writeFile(join(dir, 'profiles.json.2147483646-0123456789ab.tmp'), '{"half')
    await writeFile(join(dir, 'profiles.json.corrupt-2026-01-01T00-00-00-000Z'), 'kept')
    await writeFile(join(dir, 'notes.txt'), 'kept')
    expect(await removeStaleTempFiles(path)).toBe(1)
    expect((await readdir(dir)).sort()).toEqual(['notes.txt', 'profiles.json.corrupt-2026-01-01T00-00-00-000Z'])
  })
})

describe('VersionedJsonFile', () => {
  it('round-trips data with its format and version, and a missing file is simply empty', async () => {
    const dir = await tempDir()
    const f = file(dir)
    expect(await f.load()).toEqual({ data: null, issue: null })
    await f.save(data(1))
    const doc = JSON.parse(await readFile(f.path, 'utf8'))
    expect(doc).toMatchObject({ format: 'mailprobe-things', version: 2, data: data(1) })
    expect(await file(dir).load()).toEqual({ data: data(1), issue: null })
  })

  it('serialises concurrent saves: every promise resolves, the newest state wins, the file is always whole', async () => {
    const dir = await tempDir()
    const f = file(dir)
    const saves = Array.from({ length: 40 }, (_, n) => f.save(data(n, 200)))
    await Promise.all(saves)
    expect((await file(dir).load()).data).toEqual(data(39, 200))
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('never interleaves two writes: readers in between always see a complete state', async () => {
    const dir = await tempDir()
    const f = file(dir)
    await f.save(data(0, 500))
    const seen: number[] = []
    let writing = true
    const writer = (async () => {
      for (let n = 1; n <= 25; n++) await f.save(data(n, 500))
      writing = false
    })()
    while (writing) {
      const { data: d, issue } = await new VersionedJsonFile<Data>({ path: f.path, format: 'mailprobe-things', version: 2, schema, label: 'things' }).load()
      expect(issue).toBeNull()
      seen.push(d!.items[0]!.n)
      expect(new Set(d!.items.map((i) => i.n)).size).toBe(1)
    }
    await writer
    expect(seen.length).toBeGreaterThan(0)
  })

  it('keeps a file that is not JSON aside, reports it, and starts empty; the next save does not touch it', async () => {
    const dir = await tempDir()
    const f = file(dir)
    await writeFile(f.path, '{"format":"mailprobe-things","version":2,"data":{"items":[{"n":1')
    const { data: d, issue } = await f.load()
    expect(d).toBeNull()
    expect(issue).not.toBeNull()
    expect(issue!.file).toBe(f.path)
    expect(issue!.movedTo).toBe(`${f.path}.corrupt-2026-11-28T10-15-00-123Z`)
    expect(issue!.message).toMatch(/^The things file is not valid JSON .*; it was kept as things\.json\.corrupt-2026-11-28T10-15-00-123Z\. Mailprobe started without them\.$/)
    expect(await readFile(issue!.movedTo!, 'utf8')).toContain('"n":1')
    await f.save(data(2))
    expect(await readFile(issue!.movedTo!, 'utf8')).toContain('"n":1')
    expect((await file(dir).load()).data).toEqual(data(2))
  })

  it.each([
    ['an empty file', '  \n', /^The things file is empty; it was kept as /],
    ['zero bytes of a lost write', '\u0000'.repeat(4096), /^The things file is not valid JSON \(it holds binary data, not text\); /],
    ['text that is not JSON', 'sandbox=on\npassword=hunter2\u0007\n', /^The things file is not valid JSON \(an unexpected character where JSON syntax was expected\); /],
    ['torn JSON', '{"items":[{"n":1,"pad":"ab', /^The things file is not valid JSON \(Unterminated string in JSON at position 26( \(line 1 column 27\))?\); /],
  ])('says in plain words why %s is not JSON, without quoting what the file holds', async (_what, content, says) => {
    const dir = await tempDir()
    const f = file(dir)
    await writeFile(f.path, content)
    const { issue } = await f.load()
    expect(issue!.message).toMatch(says)
    expect(issue!.message).not.toMatch(/sandbox=|hunter2/)
    expect(await readFile(issue!.movedTo!, 'utf8')).toBe(content)
  })

  it('does not overwrite an earlier corrupt copy made in the same millisecond', async () => {
    const dir = await tempDir()
    const f = file(dir)
    await writeFile(f.path, 'garbage 1')
    const first = (await f.load()).issue!
    await writeFile(f.path, 'garbage 2')
    const second = (await f.load()).issue!
    expect(second.movedTo).not.toBe(first.movedTo)
    expect(await readFile(first.movedTo!, 'utf8')).toBe('garbage 1')
    expect(await readFile(second.movedTo!, 'utf8')).toBe('garbage 2')
  })

  it.each([
    ['another format', { format: 'something-else', version: 2, data: data(1) }, /is not a Mailprobe things file/],
    ['no version', { format: 'mailprobe-things', data: data(1) }, /has no version number/],
    ['a newer version', { format: 'mailprobe-things', version: 3, data: data(1) }, /written by a newer Mailprobe \(format version 3; this one reads up to 2\)/],
    ['an older version without a migration', { format: 'mailprobe-things', version: 1, data: data(1) }, /format version 1, which this Mailprobe cannot convert/],
    ['the wrong shape', { format: 'mailprobe-things', version: 2, data: { items: [{ n: 'x', pad: '' }] } }, /does not have the expected shape \(items\[0\]\.n: /],
    ['an array', [1, 2], /is not a Mailprobe things file/],
  ])('keeps %s aside and reports it', async (_what, doc, message) => {
    const dir = await tempDir()
    const f = file(dir)
    await writeFile(f.path, JSON.stringify(doc))
    const { data: d, issue } = await f.load()
    expect(d).toBeNull()
    expect(issue!.message).toMatch(message)
    expect(JSON.parse(await readFile(issue!.movedTo!, 'utf8'))).toEqual(doc)
    await expect(stat(f.path)).rejects.toThrow()
  })

  it('migrates an older version when it can', async () => {
    const dir = await tempDir()
    const f = file(dir, { migrate: (from, old) => (from === 1 ? { items: (old as { list: Data['items'] }).list } : undefined) })
    await writeFile(f.path, JSON.stringify({ format: 'mailprobe-things', version: 1, data: { list: data(5).items } }))
    expect(await f.load()).toEqual({ data: data(5), issue: null })
  })

  it('reports a path it cannot read as a file', async () => {
    const dir = await tempDir()
    const f = file(dir)
    await mkdir(f.path)
    const { data: d, issue } = await f.load()
    expect(d).toBeNull()
    expect(issue!.message).toMatch(/The things file could not be read \(EISDIR\)/)
  })

  it('refuses to write data its own schema would refuse to read', async () => {
    const dir = await tempDir()
    await expect(file(dir).save({ items: [{ n: 'nope' }] } as unknown as Data)).rejects.toThrow(/Refusing to write invalid things/)
    expect(await readdir(dir)).toEqual([])
  })

  it('removes temp files a crashed writer left, and only those', async () => {
    const dir = await tempDir()
    const f = file(dir)
    await f.save(data(1))
    await writeFile(join(dir, 'things.json.2147483646-abcdefabcdef.tmp'), '{"half')
    expect((await f.load()).data).toEqual(data(1))
    expect(await readdir(dir)).toEqual(['things.json'])
  })
})
