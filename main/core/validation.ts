import type { z } from 'zod'

/** One readable sentence from zod issues: "port: port must be 1–65535; message.to.0: address must look like name@domain". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ')
}
