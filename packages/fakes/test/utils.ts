/** What the fakes' tests share: a fake for the length of one use, and a plain `fetch` that reports a cut connection. */

/** Starts a fake with `options`, runs `use` with it, and closes it whatever the outcome. */
export const using = async <O, F extends { readonly close: () => Promise<void> }, A>(
  start: (options: O) => Promise<F>,
  options: O,
  use: (fake: F) => Promise<A>
): Promise<A> => {
  const fake = await start(options)
  try {
    return await use(fake)
  } finally {
    await fake.close()
  }
}

/** A plain `fetch` (redirects not followed): status, text, body (JSON when it parses, else the text), headers; 0 when cut. */
export const fetchAnswer = async (url: string, init: RequestInit = {}) => {
  try {
    const response = await fetch(url, { ...init, redirect: "manual" })
    const text = await response.text()
    let body: unknown = undefined
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
    return { status: response.status, text, body, headers: response.headers }
  } catch (error) {
    return { status: 0, text: "", body: String(error), headers: new Headers() }
  }
}
