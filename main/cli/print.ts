// The CLI's text output lives in core (History exports the same swaks-like text); re-exported for the commands.
export * from '../core/report/text'
