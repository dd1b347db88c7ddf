import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { operations } from '../../../preload/contract'

/*
 * Every IPC payload is validated before a handler sees it (handlers.test.ts). This checks the
 * schemas themselves: every object refuses unknown fields, and every string and array has a
 * maximum, so no renderer (or page that took it over) can hand main an unbounded payload.
 */

interface Def {
  type: string
  checks?: { _zod: { def: { check: string; maximum?: number } } }[]
  catchall?: z.ZodType
  shape?: Record<string, z.ZodType>
  element?: z.ZodType
  innerType?: z.ZodType
  in?: z.ZodType
  options?: z.ZodType[]
  left?: z.ZodType
  right?: z.ZodType
  items?: z.ZodType[]
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def
const maxOf = (d: Def): number | undefined => d.checks?.find((c) => c._zod.def.check === 'max_length')?._zod.def.maximum

/** Every place in `schema` that lets an unbounded or unexpected value through, as 'path: why'. */
function looseSpots(schema: z.ZodType, path: string, out: string[]): void {
  const d = defOf(schema)
  switch (d.type) {
    case 'object':
      if (!d.catchall || defOf(d.catchall).type !== 'never') out.push(`${path || '(payload)'}: accepts unknown fields`)
      for (const [k, v] of Object.entries(d.shape ?? {})) looseSpots(v, path ? `${path}.${k}` : k, out)
      return
    case 'string':
      if (maxOf(d) === undefined) out.push(`${path}: string without a maximum length`)
      return
    case 'array':
      if (maxOf(d) === undefined) out.push(`${path}: list without a maximum length`)
      looseSpots(d.element!, `${path}[]`, out)
      return
    case 'tuple':
      d.items!.forEach((item, i) => looseSpots(item, `${path}[${i}]`, out))
      return
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      looseSpots(d.innerType!, path, out)
      return
    case 'pipe':
      looseSpots(d.in!, path, out)
      return
    case 'union':
      d.options!.forEach((o) => looseSpots(o, path, out))
      return
    case 'intersection':
      looseSpots(d.left!, path, out)
      looseSpots(d.right!, path, out)
      return
    case 'number':
    case 'boolean':
    case 'enum':
    case 'literal':
    case 'null':
    case 'undefined':
    case 'never':
      return
    default:
      // record, map, set, any, unknown, lazy, …: nothing bounds them here.
      out.push(`${path}: ${d.type} is not bounded`)
  }
}

describe('IPC contract: payload limits', () => {
  it.each(Object.entries(operations))('%s: every object is strict, every string and list has a maximum', (_name, op) => {
    const spots: string[] = []
    looseSpots(op.input as z.ZodType, '', spots)
    expect(spots).toEqual([])
  })

  it('the walker finds what it looks for (so the checks above can fail)', async () => {
    const { z } = await import('zod')
    const spots: string[] = []
    looseSpots(z.object({ a: z.string(), b: z.array(z.number().int()), c: z.object({}).passthrough(), d: z.record(z.string().max(1), z.string().max(1)) }).strict(), '', spots)
    expect(spots).toEqual(['a: string without a maximum length', 'b: list without a maximum length', 'c: accepts unknown fields', 'd: record is not bounded'])
  })
})
