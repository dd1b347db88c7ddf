// Writes schema/mailprobe.checks.schema.json, the JSON Schema of a check file, from the contract's
// zod schema (npm run schema), laid out by Prettier with the repository's settings so that
// `prettier --check` accepts it. A unit test fails when the committed file is stale.
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as prettier from 'prettier'
import { CHECK_SCHEMA_PATH, checkFileJsonSchemaText } from '../main/core/checks/schema'

export const checkSchemaFile = resolve(import.meta.dirname, '..', CHECK_SCHEMA_PATH)

/** The file's text as `npm run schema` writes it. */
export async function checkSchemaFileText(): Promise<string> {
  const config = (await prettier.resolveConfig(checkSchemaFile)) ?? {}
  return prettier.format(checkFileJsonSchemaText(), { ...config, filepath: checkSchemaFile })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void checkSchemaFileText().then((text) => {
    writeFileSync(checkSchemaFile, text)
    console.log(`wrote ${CHECK_SCHEMA_PATH}`)
  })
}
