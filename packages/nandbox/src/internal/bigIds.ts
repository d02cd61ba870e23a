/**
 * nandbox identifiers (bot, user, chat, message) are 64-bit integers that
 * exceed 2^53 and arrive as JSON numbers; `JSON.parse` would round them. Before
 * parsing, every integer literal outside a string that has more digits than a
 * double holds exactly is turned into a string, so `ID` stays exact.
 */

const long = /\d{16}/

/** `text` with every integer literal of 16 or more digits outside a string quoted. */
export const quoteLongIntegers = (text: string): string => {
  if (!long.test(text)) return text
  let out = ""
  let i = 0
  let inString = false
  while (i < text.length) {
    const c = text[i]!
    if (inString) {
      out += c
      if (c === "\\") {
        out += text[i + 1] ?? ""
        i += 2
        continue
      }
      if (c === "\"") inString = false
      i++
      continue
    }
    if (c === "\"") {
      inString = true
      out += c
      i++
      continue
    }
    if (c === "-" || (c >= "0" && c <= "9")) {
      let j = i + 1
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j++
      const token = text.slice(i, j)
      const digits = token.replace("-", "")
      out += /^-?\d+$/.test(token) && digits.length >= 16 && !Number.isSafeInteger(Number(token)) ? `"${token}"` : token
      i = j
      continue
    }
    out += c
    i++
  }
  return out
}

/** `JSON.parse` that keeps 64-bit identifiers exact (as strings). */
export const parseFrame = (text: string): unknown => JSON.parse(quoteLongIntegers(text))
