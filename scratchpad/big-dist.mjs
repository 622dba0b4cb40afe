import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import * as http from "node:http"
import { CodexAuth, CodexConfig, CodexEmulator, Responses } from "/work/main/dist/index.js"
const body = Buffer.from(CodexEmulator.textEvents("token ".repeat(20000), { deltaSize: 6 }).map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(""))
const server = http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "text/event-stream" }); res.end(body) }) })
await new Promise((r) => server.listen(0, "127.0.0.1", r))
const base = `http://127.0.0.1:${server.address().port}/backend-api/codex`
const rt = ManagedRuntime.make(Responses.layer.pipe(Layer.provide(Layer.mergeAll(
  CodexConfig.layer({ codexBaseUrl: base, maxStreamRetries: 0, maxRetries: 0 }),
  CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }), NodeHttpClient.layerUndici))))
const mode = process.argv[2] ?? "create"
const f = mode === "create" ? () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "x" })))
  : mode === "chunk" ? () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) => Stream.runForEachChunk(r.stream({ input: "x" }), () => Effect.void)))
  : () => rt.runPromise(Effect.flatMap(Responses.Responses, (r) => Stream.runForEach(r.stream({ input: "x" }), () => Effect.void)))
const fetchRaw = async () => { const r = await fetch(base + "/responses", { method: "POST", body: "{}" }); const rd = r.body.getReader(); const d = new TextDecoder(); let buf = ""; for (;;) { const x = await rd.read(); if (x.done) break; buf += d.decode(x.value, { stream: true }); const fr = buf.split("\n\n"); buf = fr.pop(); for (const q of fr) { const at = q.indexOf("data: "); if (at !== -1) JSON.parse(q.slice(at + 6)) } } }
for (let i = 0; i < 5; i++) { await f(); await fetchRaw() }
let ts = 0, tr = 0
for (let i = 0; i < 20; i++) { let t0 = performance.now(); await f(); ts += performance.now() - t0; t0 = performance.now(); await fetchRaw(); tr += performance.now() - t0 }
console.log(mode, (ts / 20).toFixed(1), "ms; raw", (tr / 20).toFixed(1), "ms; ratio", (ts / tr).toFixed(2))
await rt.dispose(); server.close()
