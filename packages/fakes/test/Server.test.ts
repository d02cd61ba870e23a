import { afterEach, assert, describe, it } from "vitest"
import * as Faults from "../src/Faults.js"
import * as Server from "../src/Server.js"

const servers: Array<Server.Server> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

const started = async (handler: Server.Handler, options?: Server.Options) => {
  const server = await Server.start(handler, options)
  servers.push(server)
  return server
}

const hello: Server.Handler = async (_request, response) => Server.json(response, 200, { hello: "world" })

describe("Server", () => {
  it("serves on 127.0.0.1 with no CORS headers by default, and answers 500 when the handler throws", async () => {
    const server = await started(async (request, response) => {
      if (request.url === "/boom") throw new Error("boom")
      return hello(request, response)
    })
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const ok = await fetch(server.url, { headers: { origin: "http://page.test" } })
    assert.deepStrictEqual(await ok.json(), { hello: "world" })
    assert.isNull(ok.headers.get("access-control-allow-origin"))
    const preflight = await fetch(server.url, { method: "OPTIONS", headers: { origin: "http://page.test" } })
    // No CORS: a preflight is a request like any other, for the handler.
    assert.deepStrictEqual([preflight.status, preflight.headers.get("access-control-allow-origin")], [200, null])
    assert.strictEqual((await fetch(`${server.url}/boom`)).status, 500)
  })

  it("CORS for one origin: the preflight is answered 204, every answer names the origin", async () => {
    let reached = 0
    const server = await started(async (request, response) => {
      reached += 1
      if (request.method === "OPTIONS") throw new Error("a preflight must not reach the handler")
      return hello(request, response)
    }, { cors: ["http://page.test"] })
    const preflight = await fetch(server.url, {
      method: "OPTIONS",
      headers: {
        origin: "http://page.test",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type"
      }
    })
    assert.strictEqual(preflight.status, 204)
    assert.strictEqual(preflight.headers.get("access-control-allow-origin"), "http://page.test")
    assert.strictEqual(preflight.headers.get("access-control-allow-headers"), "authorization,content-type")
    assert.include(preflight.headers.get("access-control-allow-methods") ?? "", "POST")
    assert.strictEqual(preflight.headers.get("access-control-max-age"), "600")
    const ok = await fetch(server.url, { headers: { origin: "http://page.test" } })
    assert.strictEqual(ok.headers.get("access-control-allow-origin"), "http://page.test")
    assert.strictEqual(reached, 1)
  })

  it("CORS for several origins names only an allowed one; \"*\" allows any", async () => {
    const several = await started(hello, { cors: ["http://a.test", "http://b.test"] })
    const b = await fetch(several.url, { headers: { origin: "http://b.test" } })
    assert.strictEqual(b.headers.get("access-control-allow-origin"), "http://b.test")
    const other = await fetch(several.url, { headers: { origin: "http://evil.test" } })
    assert.isNull(other.headers.get("access-control-allow-origin"))
    const any = await started(hello, { cors: "*" })
    const star = await fetch(any.url, { headers: { origin: "http://evil.test" } })
    assert.strictEqual(star.headers.get("access-control-allow-origin"), "*")
  })

  it("close stops listening and drops open connections, once however often it is called", async () => {
    const server = await Server.start(hello)
    assert.strictEqual((await fetch(server.url)).status, 200)
    await Promise.all([server.close(), server.close()])
    const after = await fetch(server.url).then((r) => r.status, () => "refused")
    assert.strictEqual(after, "refused")
  })

  it("readBody gives up beyond its limit", async () => {
    const bodies: Array<string | undefined> = []
    const server = await started(async (request, response) => {
      bodies.push(await Server.readBody(request, 8))
      Server.json(response, 200, {})
    })
    await fetch(server.url, { method: "POST", body: "12345678" })
    await fetch(server.url, { method: "POST", body: "123456789" })
    assert.deepStrictEqual(bodies, ["12345678", undefined])
  })
})

describe("Faults", () => {
  it("answers the queued faults in order, then hands the requests back", async () => {
    const faults = Faults.make()
    const server = await started(async (request, response) => {
      if (await faults.next(request, response)) return
      Server.json(response, 200, { ok: true })
    })
    faults.attach(server)
    faults.controls.failNext(1, 429, { retryAfter: "3" })
    faults.controls.invalidJsonNext(1)
    faults.controls.wrongShapeNext(1)
    faults.controls.redirectNext(1, "http://elsewhere.test/", 307)
    faults.controls.dropNext(1)
    const limited = await fetch(server.url)
    assert.deepStrictEqual([limited.status, limited.headers.get("retry-after")], [429, "3"])
    assert.strictEqual(await (await fetch(server.url)).text(), "<html>502 Bad Gateway</html>{")
    assert.deepStrictEqual(await (await fetch(server.url)).json(), { unexpected: [1, 2, 3] })
    const redirect = await fetch(server.url, { redirect: "manual" })
    assert.deepStrictEqual([redirect.status, redirect.headers.get("location")], [307, "http://elsewhere.test/"])
    const dropped = await fetch(server.url).then((r) => r.status, () => "dropped")
    assert.strictEqual(dropped, "dropped")
    assert.deepStrictEqual(await (await fetch(server.url)).json(), { ok: true })
  })

  it("counts the oversize bytes that reached the socket, and clearFaults empties the queue", async () => {
    const faults = Faults.make()
    const server = await started(async (request, response) => {
      if (await faults.next(request, response)) return
      Server.json(response, 200, { ok: true })
    })
    faults.controls.oversizeNext(1, 200_000, { declareLength: true })
    const body = await (await fetch(server.url)).arrayBuffer()
    assert.strictEqual(body.byteLength, 200_000)
    assert.strictEqual(faults.controls.oversizeBytesWritten(), 200_000)
    faults.controls.failNext(5, 500)
    faults.controls.setDelay(10_000)
    faults.controls.clearFaults()
    assert.strictEqual((await fetch(server.url)).status, 200)
  })

  it("a delay holds every request for real time; dropConnections ends open keep-alive connections", async () => {
    const faults = Faults.make()
    const server = await started(async (request, response) => {
      if (await faults.next(request, response)) return
      Server.json(response, 200, { ok: true })
    })
    faults.attach(server)
    faults.controls.setDelay(60)
    const before = Date.now()
    assert.strictEqual((await fetch(server.url)).status, 200)
    assert.isAtLeast(Date.now() - before, 55)
    faults.controls.setDelay(0)
    faults.controls.stallBodyNext(1)
    const stalled = await fetch(server.url)
    const body = stalled.text().then(() => "ended", () => "dropped")
    faults.controls.dropConnections()
    assert.strictEqual(await body, "dropped")
  })

  it("answerOf: the plain answers a fault gives, none for those that act on the connection", () => {
    assert.deepStrictEqual(Faults.answerOf({ _tag: "Status", status: 503, retryAfter: "1" }), {
      status: 503,
      contentType: "application/json",
      headers: { "retry-after": "1" },
      body: "{\"message\":\"fault injected by the fake\"}"
    })
    assert.deepStrictEqual(Faults.answerOf({ _tag: "Redirect", status: 302, location: "http://x.test/" })?.headers, {
      location: "http://x.test/"
    })
    for (const fault of [{ _tag: "Drop" }, { _tag: "Truncate" }, { _tag: "StallBody" }] as const) {
      assert.isUndefined(Faults.answerOf(fault))
    }
  })
})
