// zod compiles a fast parser for each object schema with `new Function` the first time it parses: a
// gain for a server that parses the same shapes over and over, a loss for a command that parses its
// input once (and V8's code cache, which the `mailprobe` bin starts from, cannot keep eval'd code).
// zod decides for each schema when it is built, so main/cli.ts imports this before any command
// module or engine (renderer/src/zod-jitless.ts does the same for the page, whose CSP forbids eval).
import { config } from 'zod'

config({ jitless: true })
