/**
 * nandbox identifiers (bot, user, chat, message) are 64-bit integers that
 * exceed 2^53 and arrive as JSON numbers; `JSON.parse` would round them. Before
 * parsing, every integer literal outside a string that has more digits than a
 * double holds exactly is turned into a string, so `ID` stays exact.
 *
 * @since 0.1.0
 */

const long = /\d{16}/

const isNumberChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45 // 0-9 . e E + -

/**
 * `text` with every integer literal of 16 or more digits outside a string quoted. One pass over the character
 * codes; the text is copied only around a literal that is quoted.
 *
 * @since 0.1.0
 * @category parsing
 */
export const quoteLongIntegers = (text: string): string => {
  if (!long.test(text)) return text
  let out = ""
  let copied = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // a backslash escapes the next character
      else if (c === 34) inString = false
      continue
    }
    if (c === 34) {
      inString = true
      continue
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1
      while (j < text.length && isNumberChar(text.charCodeAt(j))) j++
      const token = text.slice(i, j)
      const digits = token.replace("-", "")
      if (/^-?\d+$/.test(token) && digits.length >= 16 && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(copied, i)}"${token}"`
        copied = j
      }
      i = j - 1
    }
  }
  return copied === 0 ? text : out + text.slice(copied)
}

/**
 * `JSON.parse` that keeps 64-bit identifiers exact (as strings). Throws what
 * `JSON.parse` throws on text that is not JSON.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseFrame = (text: string): unknown => JSON.parse(quoteLongIntegers(text))
