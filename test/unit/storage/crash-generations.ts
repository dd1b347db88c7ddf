// How crash-writer.ts marks generation `gen` in each store, and how it (and the test) reads it back.

export const generation = {
  /** Profile `i` of generation `gen`: only profile #0 moves on; the others stay at generation 0. */
  profileName: (gen: number, i: number): string => `gen ${gen} #${i}`,
  runId: (gen: number): string => `run-${String(gen).padStart(6, '0')}`,
  runStartedAt: (gen: number): string => new Date(Date.UTC(2026, 0, 1) + gen * 1000).toISOString(),
  /** Settings carry it as the (otherwise unused here) sandbox STARTTLS profile id. */
  settingsMark: (gen: number): string => `gen-${gen}`,

  ofProfile: (name: string): number => Number(/^gen (\d+) #0$/.exec(name)?.[1] ?? NaN),
  /** 0 for an empty History. */
  ofRun: (id: string | undefined): number => (id === undefined ? 0 : Number(/^run-(\d+)$/.exec(id)?.[1] ?? NaN)),
  /** 0 for settings never saved. */
  ofSettings: (mark: string | undefined): number => (mark === undefined ? 0 : Number(/^gen-(\d+)$/.exec(mark)?.[1] ?? NaN)),
}
