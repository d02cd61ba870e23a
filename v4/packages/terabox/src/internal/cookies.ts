import * as TeraboxCookies from "@authfx/protocol/TeraboxCookies"
import * as Redacted from "effect/Redacted"

/** The session's cookies: `ndus` and whatever the site sets, sent on every call. */
export class CookieJar {
  private readonly cookies = new Map<string, Redacted.Redacted<string>>()

  /** From a bare `ndus` value or a whole `Cookie` header copied from a browser. */
  static parse(input: string): CookieJar {
    const jar = new CookieJar()
    for (const [name, value] of TeraboxCookies.parse(input)) jar.set(name, value)
    return jar
  }

  get(name: string): Redacted.Redacted<string> | undefined {
    return this.cookies.get(name)
  }

  has(name: string): boolean {
    const value = this.cookies.get(name)
    return value !== undefined && Redacted.value(value).length > 0
  }

  set(name: string, value: string): void {
    this.cookies.set(name, Redacted.make(value))
  }

  /** The `Cookie` header: the one place cookie values leave Redacted. */
  header(): string {
    return TeraboxCookies.header(Array.from(this.cookies, ([name, value]) => [name, Redacted.value(value)] as const))
  }
}
