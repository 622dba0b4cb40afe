import { SseDecoder } from "../src/internal/sse.js"
import { EventDecoder } from "../src/internal/events.js"
import { scenarios } from "../bench/server.js"
const body = scenarios.big.body
const chunks: Uint8Array[] = []
for (let i = 0; i < body.length; i += 65536) chunks.push(body.subarray(i, i + 65536))
const bench = (name: string, f: () => void) => {
  for (let i = 0; i < 5; i++) f()
  const t0 = performance.now(); for (let i = 0; i < 20; i++) f(); console.log(name, ((performance.now() - t0) / 20).toFixed(2), "ms")
}
console.log("body", body.length, "bytes", chunks.length, "chunks")
bench("raw split+parse", () => {
  const d = new TextDecoder(); let buffer = ""; let n = 0
  for (const c of chunks) { buffer += d.decode(c, { stream: true }); const frames = buffer.split("\n\n"); buffer = frames.pop() ?? ""
    for (const f of frames) { const at = f.indexOf("data: "); if (at !== -1) { JSON.parse(f.slice(at + 6)); n++ } } }
})
bench("sse only", () => { const s = new SseDecoder(() => {}); for (const c of chunks) s.push(c); s.end() })
bench("sse + JSON.parse", () => { const s = new SseDecoder((d) => { JSON.parse(d) }); for (const c of chunks) s.push(c); s.end() })
bench("EventDecoder", () => { const s = new EventDecoder(); for (const c of chunks) s.push(c); s.end() })
