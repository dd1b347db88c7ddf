// The published JSON Schema of a check file: generated from the contract's zod schema, written by
// `npm run schema` (build/checks-schema.ts, which also formats it with the project's Prettier
// settings) and compared with the committed file by a unit test.
import { checkFileJsonSchema } from '../../../preload/contract/checks'

/** Where the schema is published, from the repository's root. */
export const CHECK_SCHEMA_PATH = 'schema/mailprobe.checks.schema.json'

/** The schema as JSON text (unformatted: Prettier lays it out). */
export function checkFileJsonSchemaText(): string {
  return JSON.stringify(checkFileJsonSchema())
}
