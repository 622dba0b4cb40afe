import { SseDecoder } from "../src/internal/sse.js"
import { EventDecoder } from "../src/internal/events.js"
import { scenario } from "../bench/server.js"
const body = scenario("big").body
const chunks: Uint8Array[] = []
for (let i = 0; i < body.length; i += 65536) chunks.push(body.subarray(i, i + 65536))
const mode = process.argv[2]
const f = mode === "sse" ? () => { const s = new SseDecoder(() => {}); for (const c of chunks) s.push(c); s.end() }
  : mode === "json" ? () => { const s = new SseDecoder((d) => { JSON.parse(d) }); for (const c of chunks) s.push(c); s.end() }
  : mode === "raw" ? () => { const d = new TextDecoder(); let buffer = ""; for (const c of chunks) { buffer += d.decode(c, { stream: true }); const frames = buffer.split("\n\n"); buffer = frames.pop() ?? ""; for (const f of frames) { const at = f.indexOf("data: "); if (at !== -1) JSON.parse(f.slice(at + 6)) } } }
  : () => { const s = new EventDecoder(); for (const c of chunks) s.push(c); s.end() }
for (let i = 0; i < 10; i++) f()
const t0 = performance.now(); for (let i = 0; i < 30; i++) f()
console.log(mode, ((performance.now() - t0) / 30).toFixed(2), "ms")
