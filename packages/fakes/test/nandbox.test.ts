import { assert, describe, it } from "vitest"
import { WebSocket } from "ws"
import * as Nandbox from "../src/Nandbox.js"

/** A raw client on the fake: the text frames it received, in order, and the next one awaited. */
const connect = (url: string) =>
  new Promise<{ readonly ws: WebSocket; readonly inbox: Array<string>; readonly next: () => Promise<string> }>(
    (resolve, reject) => {
      const ws = new WebSocket(url)
      const inbox: Array<string> = []
      const waiting: Array<(text: string) => void> = []
      let read = 0
      ws.on("message", (data) => {
        inbox.push(data.toString())
        const waiter = waiting.shift()
        if (waiter !== undefined) waiter(inbox[read++]!)
      })
      const next = () =>
        read < inbox.length
          ? Promise.resolve(inbox[read++]!)
          : new Promise<string>((done) => void waiting.push(done))
      ws.once("open", () => resolve({ ws, inbox, next }))
      ws.once("error", reject)
    }
  )

const closed = (ws: WebSocket) => new Promise<number>((resolve) => void ws.once("close", (code) => resolve(code)))

/** Waits until the fake has handled what was sent (a round trip: the server answers frames in order). */
const roundTrip = async (client: Awaited<ReturnType<typeof connect>>) => {
  const pong = new Promise<void>((resolve) => void client.ws.once("pong", () => resolve()))
  client.ws.ping()
  await pong
}

/** Polls (every 5 ms, at most 2 s) until the fake has seen what the client already saw, such as a close. */
const until = async (done: () => boolean) => {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  assert.isTrue(done())
}

const upgradeStatus = (url: string) =>
  new Promise<number | "open">((resolve) => {
    const ws = new WebSocket(url)
    ws.once("open", () => {
      ws.terminate()
      resolve("open")
    })
    ws.once("unexpected-response", (_, response) => {
      resolve(response.statusCode ?? 0)
      ws.terminate()
    })
    ws.once("error", () => resolve(0))
  })

describe("Nandbox without Effect: start resolves to the whole interface, close stops the server", () => {
  it("TOKEN_AUTH with the token: TOKEN_AUTH_OK with the ID as the documented string; PING counted, not answered", async () => {
    const fake = await Nandbox.start({ botId: "90091234567890123", botName: "My First API" })
    try {
      assert.match(fake.token(), /^90091234567890123:0:[A-Za-z0-9]{30}$/)
      assert.deepStrictEqual(fake.env(), { NANDBOX_URL: fake.url, NANDBOX_TOKEN: fake.token() })
      const client = await connect(fake.url)
      client.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: true, token: fake.token() }))
      const ok = await client.next()
      assert.include(ok, `"ID":"90091234567890123"`)
      const parsed = JSON.parse(ok)
      assert.deepStrictEqual([parsed.method, parsed.name], ["TOKEN_AUTH_OK", "My First API"])
      client.ws.send(JSON.stringify({ method: "PING" }))
      client.ws.send(JSON.stringify({ method: "sendMessage", text: "hi" }))
      client.ws.send("not json")
      await roundTrip(client)
      assert.deepStrictEqual(client.inbox.length, 1)
      assert.deepStrictEqual(fake.received(), [{ method: "sendMessage", text: "hi" }])
      assert.deepStrictEqual({ ...fake.counters }, {
        connections: 1,
        refused: 0,
        authentications: 1,
        rejections: 0,
        pings: 1,
        frames: 1,
        beforeAuth: 0
      })
      assert.deepStrictEqual([fake.connections[0]!.authenticated, fake.connections[0]!.frames.length], [true, 3])
      client.ws.close()
    } finally {
      await fake.close()
    }
  })

  it("idAsNumber sends the ID as a JSON number; rem as the string the document shows is accepted", async () => {
    const fake = await Nandbox.start({ botId: "90091234567890123", idAsNumber: true })
    try {
      const client = await connect(fake.url)
      client.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: "true", token: fake.token() }))
      assert.include(await client.next(), `"ID":90091234567890123,`)
      client.ws.close()
    } finally {
      await fake.close()
    }
  })

  it("a wrong token or rem gets 100099 and the socket stays open; a regenerated token kills the live session", async () => {
    const fake = await Nandbox.start()
    try {
      const client = await connect(fake.url)
      client.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: true, token: `${fake.botId}:0:wrong` }))
      assert.deepStrictEqual(JSON.parse(await client.next()), { method: "error", code: "100099" })
      client.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: 1, token: fake.token() }))
      assert.deepStrictEqual(JSON.parse(await client.next()), { method: "error", code: "100099" })
      const old = fake.token()
      client.ws.send(JSON.stringify({ method: "TOKEN_AUTH", token: old }))
      assert.strictEqual(JSON.parse(await client.next()).method, "TOKEN_AUTH_OK")
      assert.notStrictEqual(fake.regenerateToken(), old)
      assert.deepStrictEqual(JSON.parse(await client.next()), { method: "error", code: "100099" })
      client.ws.send(JSON.stringify({ method: "sendMessage" }))
      await roundTrip(client)
      assert.deepStrictEqual([fake.received().length, fake.counters.beforeAuth, fake.counters.rejections], [0, 1, 4])
      client.ws.close()
    } finally {
      await fake.close()
    }
  })

  it("beforeAuth close and closeOnReject: 1008 without an answer, 1000 after 100099", async () => {
    const fake = await Nandbox.start({ beforeAuth: "close" })
    try {
      const first = await connect(fake.url)
      const firstClosed = closed(first.ws)
      first.ws.send(JSON.stringify({ method: "PING" }))
      assert.strictEqual(await firstClosed, 1008)
      assert.deepStrictEqual([first.inbox.length, fake.counters.beforeAuth], [0, 1])
      fake.setBeforeAuth("error")
      fake.setCloseOnReject(true)
      const second = await connect(fake.url)
      const secondClosed = closed(second.ws)
      second.ws.send(JSON.stringify({ method: "sendMessage" }))
      assert.strictEqual(await secondClosed, 1000)
      assert.deepStrictEqual(second.inbox.map((text) => JSON.parse(text)), [{ method: "error", code: "100099" }])
      await until(() => fake.connections.every((c) => c.closed))
      assert.deepStrictEqual(fake.connections.map((c) => [c.closed, c.closeCode]), [[true, 1008], [true, 1000]])
    } finally {
      await fake.close()
    }
  })

  it("beforeAuth error (the default): a PING or a text that is not JSON first gets 100099, and TOKEN_AUTH still works", async () => {
    const fake = await Nandbox.start()
    try {
      const client = await connect(fake.url)
      client.ws.send(JSON.stringify({ method: "PING" }))
      client.ws.send("not json")
      assert.deepStrictEqual([JSON.parse(await client.next()), JSON.parse(await client.next())], [
        { method: "error", code: "100099" },
        { method: "error", code: "100099" }
      ])
      // A PING before TOKEN_AUTH is a frame before authentication, not a ping.
      assert.deepStrictEqual([fake.counters.beforeAuth, fake.counters.pings], [2, 0])
      // The socket stays open: the document says to re-authenticate with a valid token.
      client.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: true, token: fake.token() }))
      assert.strictEqual(JSON.parse(await client.next()).method, "TOKEN_AUTH_OK")
      client.ws.close()
      // beforeAuth close: a message first is not received, only counted.
      fake.setBeforeAuth("close")
      const other = await connect(fake.url)
      const otherClosed = closed(other.ws)
      other.ws.send(JSON.stringify({ method: "sendMessage", text: "hi" }))
      assert.strictEqual(await otherClosed, 1008)
      assert.deepStrictEqual([other.inbox.length, fake.counters.beforeAuth, fake.received().length], [0, 3, 0])
    } finally {
      await fake.close()
    }
  })

  it("controls: extra TOKEN_AUTH_OK fields, broadcast, raw and malformed frames reach authenticated sessions only", async () => {
    const fake = await Nandbox.start()
    try {
      fake.setAuthOkExtra({ padding: "xx" })
      const anonymous = await connect(fake.url)
      const client = await connect(fake.url)
      client.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: true, token: fake.token() }))
      assert.strictEqual(JSON.parse(await client.next()).padding, "xx")
      fake.broadcast({ method: "message", text: "hello" })
      fake.sendRaw("raw")
      fake.sendMalformed()
      assert.deepStrictEqual([await client.next(), await client.next(), await client.next()], [
        JSON.stringify({ method: "message", text: "hello" }),
        "raw",
        "<html>not json"
      ])
      await roundTrip(anonymous)
      assert.strictEqual(anonymous.inbox.length, 0)
      anonymous.ws.close()
      client.ws.close()
    } finally {
      await fake.close()
    }
  })

  it("setAuthDelay holds TOKEN_AUTH_OK back (real time)", async () => {
    const fake = await Nandbox.start()
    try {
      fake.setAuthDelay(60)
      const client = await connect(fake.url)
      const sent = Date.now()
      client.ws.send(JSON.stringify({ method: "TOKEN_AUTH", rem: true, token: fake.token() }))
      await roundTrip(client)
      assert.strictEqual(client.inbox.length, 0)
      assert.strictEqual(JSON.parse(await client.next()).method, "TOKEN_AUTH_OK")
      assert.isAtLeast(Date.now() - sent, 50)
      client.ws.close()
    } finally {
      await fake.close()
    }
  })

  it("refused upgrades (refuseConnections, another path) answer 503; plain HTTP 426; drops and close end sockets", async () => {
    const fake = await Nandbox.start()
    const http = fake.url.replace("ws://", "http://")
    try {
      assert.strictEqual(await upgradeStatus(fake.url.replace("/nandbox/api/", "/other")), 503)
      assert.strictEqual(await upgradeStatus(fake.url.replace("/nandbox/api/", "/nandbox/api")), "open")
      fake.refuseConnections(true)
      assert.strictEqual(await upgradeStatus(fake.url), 503)
      fake.refuseConnections(false)
      assert.strictEqual((await fetch(http)).status, 426)
      const dropped = await connect(fake.url)
      const droppedClosed = closed(dropped.ws)
      fake.dropConnections()
      assert.strictEqual(await droppedClosed, 1006)
      assert.deepStrictEqual([fake.counters.refused, fake.counters.connections], [1, 2])
    } catch (error) {
      await fake.close()
      throw error
    }
    const live = await connect(fake.url)
    const liveClosed = closed(live.ws)
    await Promise.all([fake.close(), fake.close()])
    assert.strictEqual(await liveClosed, 1006)
    assert.strictEqual(await upgradeStatus(fake.url), 0)
  })
})
