#!/usr/bin/env node
'use strict'
// The `mailprobe` command: the bundle built by `npm run build:cli` (npm install runs it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../out/cli/mailprobe.cjs')
