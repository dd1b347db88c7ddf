// What the names the command line takes must look like; shared by args.ts and the option groups
// that live beside it (inbox-args.ts), which args.ts imports.

/** What a variable named by --password-env, --key-env … must look like. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A sign-in's name (--oauth NAME, mailprobe oauth … --name NAME): a copy of the contract's signInNameSchema, which a unit test keeps equal. */
export const SIGN_IN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/
