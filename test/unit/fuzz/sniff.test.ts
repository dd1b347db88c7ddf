// Fuzzing the probe's pure parts (issue 7, item 7): sniffing the first bytes, the diagnosis and the
// recommendation never throw and stay within the contract's enums.
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { diagnoseProperty, recommendProperty, sniffAnythingProperty, sniffProperty } from './properties'

const RUNS = 10_000

describe('fuzz: probe sniffing, diagnosis, recommendation', () => {
  it(`sniffFirstBytes / printable / overTls on arbitrary bytes (${RUNS} cases)`, () => {
    fc.assert(sniffProperty(), { numRuns: RUNS })
  })

  it('sniffFirstBytes / printable on non-string input (1000 cases)', () => {
    fc.assert(sniffAnythingProperty(), { numRuns: 1000 })
  })

  it(`diagnose / firstSentences on arbitrary port facts (${RUNS} cases)`, () => {
    fc.assert(diagnoseProperty(), { numRuns: RUNS })
  })

  it(`recommend / workingPath / securityOf / isUsable on arbitrary port lists (${RUNS} cases)`, () => {
    fc.assert(recommendProperty(), { numRuns: RUNS })
  })
})
