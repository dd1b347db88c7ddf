// zod decides whether to JIT its object parsers when each schema is built, by probing
// `new Function` once; the CSP (rightly) refuses it and reports a violation. Imported first by
// main.ts, so the choice is made before the contract's schemas are.
import { z } from 'zod'

z.config({ jitless: true })
