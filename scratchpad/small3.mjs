import { Effect, Layer, ManagedRuntime } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import * as http from "node:http"
import { CodexAuth, CodexConfig, CodexEmulator, Responses } from "/work/main/dist/index.js"
const body = Buffer.from(CodexEmulator.textEvents("token ".repeat(20), { deltaSize: 6 }).map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(""))
const server = http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "text/event-stream" }); res.end(body) }) })
await new Promise((r) => server.listen(0, "127.0.0.1", r))
const base = `http://127.0.0.1:${server.address().port}/backend-api/codex`
const layer = Responses.layer.pipe(Layer.provide(Layer.mergeAll(
  CodexConfig.layer({ codexBaseUrl: base, maxStreamRetries: 0, maxRetries: 0 }),
  CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }),
  NodeHttpClient.layerUndici)))
const rt = ManagedRuntime.make(layer)
const f = () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })))
for (let i = 0; i < 100; i++) await f()
const c0 = process.cpuUsage(); const t0 = performance.now(); for (let i = 0; i < 1000; i++) await f(); const cu = process.cpuUsage(c0)
console.log("node+dist: wall", ((performance.now() - t0) / 1000).toFixed(2), "ms/req, cpu", ((cu.user + cu.system) / 1e6).toFixed(2))
await rt.dispose(); server.close()
