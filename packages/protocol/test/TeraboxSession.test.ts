import { assert, describe, it } from "vitest"
import * as TeraboxSession from "../src/TeraboxSession.js"

describe("TeraboxSession.staleJsTokenErrnos", () => {
  it("4000023 and 450016 are stale-jsToken errnos; OpenList's former typo 4500016 and the others are not", () => {
    for (const errno of [4000023, 450016]) assert.isTrue(TeraboxSession.isStaleJsToken(errno), String(errno))
    for (const errno of [4500016, 0, -6, 31034, 2, 400023, Number.NaN]) {
      assert.isFalse(TeraboxSession.isStaleJsToken(errno), String(errno))
    }
    assert.sameMembers([...TeraboxSession.staleJsTokenErrnos], [4000023, 450016])
  })
})

describe("TeraboxSession.regionPrefix", () => {
  it("reads region-domain-prefix, then url-domain-prefix, trimmed and lower-cased", () => {
    assert.strictEqual(TeraboxSession.regionPrefix({ "region-domain-prefix": "dm" }), "dm")
    assert.strictEqual(TeraboxSession.regionPrefix({ "url-domain-prefix": " JP " }), "jp")
    assert.strictEqual(TeraboxSession.regionPrefix({ "region-domain-prefix": "dm", "url-domain-prefix": "jp" }), "dm")
    assert.strictEqual(TeraboxSession.regionPrefix({ "region-domain-prefix": "a-1" }), "a-1")
    assert.strictEqual(TeraboxSession.regionPrefix({ "region-domain-prefix": "x".repeat(63) }), "x".repeat(63))
    assert.isUndefined(TeraboxSession.regionPrefix({}))
  })

  it("takes a DNS label only: a header cannot point the session at another domain", () => {
    for (
      const value of [
        "evil.com",
        "dm.evil.com",
        "-dm",
        "dm-",
        "",
        " ",
        "x".repeat(64),
        "dm/../",
        "dm:8080",
        "user@dm",
        "d m",
        "dm\u0000"
      ]
    ) {
      assert.isUndefined(TeraboxSession.regionPrefix({ "region-domain-prefix": value }), JSON.stringify(value))
      assert.isUndefined(TeraboxSession.regionPrefix({ "url-domain-prefix": value }), JSON.stringify(value))
    }
  })
})

describe("TeraboxSession.isAllowedHost", () => {
  const domains = TeraboxSession.defaultAllowedDomains
  it("a host equal to or under an allowed domain, any case", () => {
    const from = "https://www.terabox.com"
    for (
      const target of [
        "https://dm.terabox.com/main",
        "https://TERABOX.COM/",
        "https://www.1024terabox.com/main",
        "https://a.b.terabox.app/"
      ]
    ) assert.isTrue(TeraboxSession.isAllowedHost(new URL(target), from, domains), target)
    assert.isTrue(TeraboxSession.isAllowedHost(new URL("http://127.0.0.1:9/main"), "http://127.0.0.1:8", ["127.0.0.1"]))
    assert.isTrue(TeraboxSession.isAllowedHost(new URL("https://x.example.org/"), from, [".Example.org"]))
  })

  it("never another domain, a look-alike suffix, or a downgrade to http", () => {
    const from = "https://www.terabox.com"
    for (
      const target of [
        "https://evilterabox.com/",
        "https://terabox.com.evil.com/",
        "https://localhost/",
        "http://dm.terabox.com/",
        "https://xterabox.app/"
      ]
    ) assert.isFalse(TeraboxSession.isAllowedHost(new URL(target), from, domains), target)
    assert.isFalse(TeraboxSession.isAllowedHost(new URL("https://dm.terabox.com/"), "not a url", domains))
    assert.isFalse(TeraboxSession.isAllowedHost(new URL("https://dm.terabox.com/"), from, [""]))
    assert.isFalse(TeraboxSession.isAllowedHost(new URL("https://dm.terabox.com/"), from, []))
  })
})

describe("TeraboxSession: redirects, dead cookies, content types", () => {
  it("the login page, relative or absolute, with or without a language segment", () => {
    for (const path of ["/login", "/login?redirect=%2Fmain", "/en/login", "/zh-cn/login"]) {
      const target = TeraboxSession.redirectTarget(path, "https://www.terabox.com/main")
      assert.isTrue(target !== undefined && TeraboxSession.isLoginPath(target.pathname), path)
    }
    const absolute = TeraboxSession.redirectTarget("https://www.terabox.com/login", "http://127.0.0.1:1/main")
    assert.isTrue(absolute !== undefined && TeraboxSession.isLoginPath(absolute.pathname))
    for (const path of ["/main", "/loginx", "/a/b/login", "/"]) assert.isFalse(TeraboxSession.isLoginPath(path), path)
    assert.isUndefined(TeraboxSession.redirectTarget(undefined, "https://www.terabox.com/main"))
    assert.isUndefined(TeraboxSession.redirectTarget("http://[", "https://www.terabox.com/main"))
    assert.strictEqual(TeraboxSession.pathOf("https://www.terabox.com/en/login?x=1"), "/en/login")
    assert.strictEqual(TeraboxSession.pathOf("nope"), "")
    assert.isTrue(TeraboxSession.isLoginRedirect("https://www.terabox.com/login?redirect=%2Fmain"))
    assert.isFalse(TeraboxSession.isLoginRedirect("/main"))
    assert.isFalse(TeraboxSession.isLoginRedirect(undefined))
  })

  it("an errno is read from JSON, JavaScript, plain text or an untyped answer, never from a page or a file", () => {
    for (const type of [undefined, "", "application/json", "text/javascript; charset=utf-8", "text/plain"]) {
      assert.isTrue(TeraboxSession.mayCarryErrno(type), String(type))
    }
    for (const type of ["text/html", "application/octet-stream", "image/png"]) {
      assert.isFalse(TeraboxSession.mayCarryErrno(type), type)
    }
  })

  it("messages name where the value is configured, never a value", () => {
    assert.include(TeraboxSession.cookieExpiredDescription("TERABOX_NDUS"), "copy a new one from the browser into")
    assert.include(TeraboxSession.cookieExpiredDescription("ndus"), "into ndus")
    assert.include(TeraboxSession.missingTokenDescription("jsToken"), "set jsToken meanwhile")
    assert.include(TeraboxSession.disallowedRedirectDescription("evil.com"), "evil.com, which is not an allowed")
  })

  it("request shapes: the common query, the list page query, the default region origin, an entry's new name", () => {
    assert.deepStrictEqual(TeraboxSession.commonQuery, {
      app_id: "250528",
      web: "1",
      channel: "dubox",
      clienttype: "0"
    })
    assert.deepStrictEqual(TeraboxSession.listQuery("/docs", 2, 100), {
      dir: "/docs",
      order: "name",
      desc: "0",
      num: "100",
      page: "2"
    })
    assert.strictEqual(TeraboxSession.defaultRegionOrigin("dm"), "https://dm.terabox.com")
    assert.strictEqual(TeraboxSession.nameOf("/docs/a.txt", undefined), "a.txt")
    assert.strictEqual(TeraboxSession.nameOf("/docs/a.txt", "b.txt"), "b.txt")
  })
})

describe("TeraboxSession: what an answer means for the session", () => {
  const origin = "https://www.terabox.com"
  const domains = TeraboxSession.defaultAllowedDomains
  it("homepageRedirect: the login page, a move under the allowed domains, another host, the same site", () => {
    for (const location of ["/login", "https://www.terabox.com/login?redirect=%2Fmain", "/en/login"]) {
      assert.deepStrictEqual(TeraboxSession.homepageRedirect(location, origin, domains), { _tag: "CookieExpired" })
    }
    assert.deepStrictEqual(TeraboxSession.homepageRedirect("https://dm.terabox.com/main", origin, domains), {
      _tag: "Moved",
      origin: "https://dm.terabox.com"
    })
    // The login page of another domain is a dead cookie too: nothing is sent there either way.
    assert.deepStrictEqual(TeraboxSession.homepageRedirect("https://evil.example/login", origin, domains), {
      _tag: "CookieExpired"
    })
    const elsewhere = TeraboxSession.homepageRedirect("https://evil.example/main", origin, domains)
    assert.strictEqual(elsewhere._tag, "Disallowed")
    assert.include(elsewhere._tag === "Disallowed" ? elsewhere.description : "", "evil.example")
    assert.strictEqual(
      TeraboxSession.homepageRedirect("http://dm.terabox.com/main", origin, domains)._tag,
      "Disallowed"
    )
    for (const location of ["/main?x=1", undefined, "http://["]) {
      assert.strictEqual(TeraboxSession.homepageRedirect(location, origin, domains)._tag, "SameSite", String(location))
    }
  })

  it("checkLogin: logged in (moving or not), moved, a dead cookie, a stale jsToken, anything else", () => {
    const regionOrigin = TeraboxSession.defaultRegionOrigin
    assert.deepStrictEqual(TeraboxSession.checkLogin(0, undefined, origin, regionOrigin), {
      _tag: "LoggedIn",
      movedTo: undefined
    })
    assert.deepStrictEqual(TeraboxSession.checkLogin(0, "dm", origin, regionOrigin), {
      _tag: "LoggedIn",
      movedTo: "https://dm.terabox.com"
    })
    // A region that is where the session already is: no move.
    assert.deepStrictEqual(TeraboxSession.checkLogin(0, "www", origin, regionOrigin), {
      _tag: "LoggedIn",
      movedTo: undefined
    })
    assert.deepStrictEqual(TeraboxSession.checkLogin(-6, "dm", origin, regionOrigin), {
      _tag: "Moved",
      origin: "https://dm.terabox.com"
    })
    assert.deepStrictEqual(TeraboxSession.checkLogin(-6, undefined, origin, regionOrigin), { _tag: "CookieExpired" })
    assert.deepStrictEqual(TeraboxSession.checkLogin(-6, "www", origin, regionOrigin), { _tag: "CookieExpired" })
    for (const errno of [4000023, 450016]) {
      assert.deepStrictEqual(TeraboxSession.checkLogin(errno, undefined, origin, regionOrigin), { _tag: "Stale" })
    }
    for (const errno of [undefined, 2, 4500016, 31034]) {
      assert.strictEqual(TeraboxSession.checkLogin(errno, "dm", origin, regionOrigin)._tag, "Unexpected", String(errno))
    }
  })

  it("apiAnswer: stale, too frequent, a region move, a dead cookie, or the call's own errno", () => {
    assert.deepStrictEqual(TeraboxSession.apiAnswer(4000023, "dm"), { _tag: "Stale" })
    assert.deepStrictEqual(TeraboxSession.apiAnswer(450016, undefined), { _tag: "Stale" })
    assert.deepStrictEqual(TeraboxSession.apiAnswer(31034, undefined), { _tag: "RateLimited" })
    assert.deepStrictEqual(TeraboxSession.apiAnswer(-6, "dm"), { _tag: "Moved", prefix: "dm" })
    assert.deepStrictEqual(TeraboxSession.apiAnswer(-6, undefined), { _tag: "CookieExpired" })
    for (const errno of [0, -9, 2, 12, 4500016]) {
      assert.deepStrictEqual(TeraboxSession.apiAnswer(errno, "dm"), { _tag: "Other" }, String(errno))
    }
  })
})
