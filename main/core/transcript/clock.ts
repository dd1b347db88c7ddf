import { performance } from 'node:perf_hooks'

/** Milliseconds since the job started, monotonic, rounded to microseconds. */
export class JobClock {
  private readonly origin = performance.now()
  now(): number {
    return Math.round((performance.now() - this.origin) * 1000) / 1000
  }
}
