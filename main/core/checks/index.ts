// Checks as code: load a check file (load.ts), run its checks (run.ts: each one engine job built by
// the buildJob its host gives, the CLI's parsers in main/cli/check-jobs.ts) and judge the results
// against the assertions (assert.ts).
export { checkFileFormat, loadCheckFile, MAX_CHECK_FILE_BYTES, parseCheckFile, readCheckFile, CheckFileError } from './load'
export type { CheckFileIssue, CheckFileLoad, ParseCheckFileOptions } from './load'
export { runChecks, unknownCheckNames } from './run'
export type { BuildCheckJob, CheckEngines, CheckJob, RunChecksOptions } from './run'
export { evaluateAssertions, checkFigure } from './assert'
