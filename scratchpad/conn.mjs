import { Effect, ManagedRuntime, Stream } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import * as http from "node:http"
const server = http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "text/event-stream" }); res.end("data: {}\n\n".repeat(30)) }) })
let conns = 0; server.on("connection", () => conns++)
await new Promise((r) => server.listen(0, "127.0.0.1", r))
const url = `http://127.0.0.1:${server.address().port}/x`
const rt = ManagedRuntime.make(NodeHttpClient.layerUndici)
const req = HttpClientRequest.post(url).pipe(HttpClientRequest.bodyText("{}"))
const variants = {
  text: () => rt.runPromise(Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(req)).pipe(Effect.flatMap((r) => r.text))),
  stream: () => rt.runPromise(Effect.flatMap(HttpClient.HttpClient, (c) => c.execute(req)).pipe(Effect.flatMap((r) => Stream.runDrain(r.stream)))),
}
for (const [name, f] of Object.entries(variants)) {
  conns = 0
  for (let i = 0; i < 50; i++) await f()
  const t0 = performance.now(); for (let i = 0; i < 300; i++) await f()
  console.log(name, ((performance.now() - t0) / 300).toFixed(2), "ms/req; connections opened:", conns)
}
await rt.dispose(); server.close()
