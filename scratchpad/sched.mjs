// does a per-request setTimeout(0) fallback appear? count setTimeout calls with small delay during SDK requests
import { Effect, Layer, ManagedRuntime } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import * as http from "node:http"
import { CodexAuth, CodexConfig, CodexEmulator, Responses } from "/work/main/dist/index.js"
const body = Buffer.from(CodexEmulator.textEvents("token ".repeat(20), { deltaSize: 6 }).map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(""))
const server = http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "text/event-stream" }); res.end(body) }) })
await new Promise((r) => server.listen(0, "127.0.0.1", r))
const base = `http://127.0.0.1:${server.address().port}/backend-api/codex`
const rt = ManagedRuntime.make(Responses.layer.pipe(Layer.provide(Layer.mergeAll(
  CodexConfig.layer({ codexBaseUrl: base, maxStreamRetries: 0, maxRetries: 0 }),
  CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }), NodeHttpClient.layerUndici))))
const f = () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })))
for (let i = 0; i < 100; i++) await f()
const orig = globalThis.setTimeout; const delays = new Map()
globalThis.setTimeout = (fn, ms, ...a) => { const k = ms ?? 0; delays.set(k, (delays.get(k) ?? 0) + 1); return orig(fn, ms, ...a) }
for (let i = 0; i < 100; i++) await f()
globalThis.setTimeout = orig
console.log("setTimeout calls per 100 requests by delay:", [...delays])
await rt.dispose(); server.close()
