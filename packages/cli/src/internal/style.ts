/**
 * Terminal styling: colour only when the stream is a terminal and `NO_COLOR`
 * (https://no-color.org) is unset or empty, so pipes, files and CI logs get
 * plain text.
 */

/** Whether text written to `stream` may carry colour. */
export const colourFor = (
  stream: { readonly isTTY?: boolean | undefined },
  env: Readonly<Record<string, string | undefined>> = process.env
): boolean =>
  stream.isTTY === true && (env["NO_COLOR"] === undefined || env["NO_COLOR"] === "") && env["TERM"] !== "dumb"

/** Every ANSI escape sequence (SGR and cursor control), as the help renderer and the spinner write them. */
const ansi = /\u001b\[[0-9;?]*[A-Za-z]/g

/** `text` without escape sequences. */
export const strip = (text: string): string => text.replace(ansi, "")

/** How many columns `text` takes, escape sequences excluded. */
export const width = (text: string): number => [...strip(text)].length

/** Colour functions that do nothing when colour is off. */
export interface Style {
  readonly enabled: boolean
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly green: (text: string) => string
  readonly red: (text: string) => string
  readonly yellow: (text: string) => string
  readonly cyan: (text: string) => string
}

const sgr = (enabled: boolean, open: number, close: number) => (text: string): string =>
  enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text

/** The style for a stream whose colour decision is `enabled`. */
export const make = (enabled: boolean): Style => ({
  enabled,
  bold: sgr(enabled, 1, 22),
  dim: sgr(enabled, 2, 22),
  green: sgr(enabled, 32, 39),
  red: sgr(enabled, 31, 39),
  yellow: sgr(enabled, 33, 39),
  cyan: sgr(enabled, 36, 39)
})

/** The style of standard output. */
export const stdout = (): Style => make(colourFor(process.stdout))

/** Whether standard output is a terminal (a live spinner may be drawn). */
export const isTerminal = (): boolean => process.stdout.isTTY === true
