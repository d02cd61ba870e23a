import * as Redacted from "effect/Redacted"

/** The session's cookies: `ndus` and whatever the site sets, sent on every call. */
export class CookieJar {
  private readonly cookies = new Map<string, Redacted.Redacted<string>>()

  /** From a bare `ndus` value or a whole `Cookie` header copied from a browser. */
  static parse(input: string): CookieJar {
    const jar = new CookieJar()
    const trimmed = input.trim()
    if (!trimmed.includes("=")) {
      jar.set("ndus", trimmed)
      return jar
    }
    for (const part of trimmed.split(";")) {
      const index = part.indexOf("=")
      if (index > 0) jar.set(part.slice(0, index).trim(), part.slice(index + 1).trim())
    }
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
    return [...this.cookies].map(([name, value]) => `${name}=${Redacted.value(value)}`).join("; ")
  }
}
