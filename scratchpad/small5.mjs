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
const sdk = () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })))
let next = 0; await Promise.all(Array.from({ length: 16 }, async () => { while (next < 4000) { next++; await sdk() } }))
await rt.dispose(); server.close()
