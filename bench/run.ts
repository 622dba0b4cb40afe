/**
 * `npm run bench`: this SDK (over both of its transports) side by side with openai-node,
 * a raw `fetch` loop and a bare `undici.request` loop (the practical floor in Node), in one
 * run, on the same loopback server (bench/server.ts). Prints medians and ratios against
 * the raw fetch loop, the undici loop and openai-node, and writes
 * bench/results/latest.json and latest.svg.
 *
 * Absolute times on a shared machine are noisy; the ratios are what to read.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import OpenAI from "openai"
import { request as undiciRequest } from "undici"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexAuth, CodexConfig, CodexTransport, Responses, ResponseStreamEvent } from "../src/index.js"
import { CodexOpenAI } from "../src/OpenAI.js"
import { conversationBench } from "./conversation.js"
import { conversationTurnsBench } from "./conversationTurns.js"
import { scenario, start } from "./server.js"
import type { BenchServer, ScenarioName } from "./server.js"
import { chart } from "./svg.js"

const gc = (globalThis as { gc?: () => void }).gc
const quick = process.argv.includes("--quick")
const reps = quick ? 3 : 15

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const requestBody = JSON.stringify({
  model: "gpt-5.4",
  instructions: "",
  input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "bench" }] }],
  tools: [],
  tool_choice: "auto",
  parallel_tool_calls: false,
  store: false,
  stream: true,
  include: []
})

// ---------------------------------------------------------------------------------------
// The raw loop: fetch + split on blank lines + JSON.parse.
// ---------------------------------------------------------------------------------------

const rawEvents = async (
  base: string,
  onEvent: (event: { type: string; delta?: string }) => void,
  signal?: AbortSignal
) => {
  const response = await fetch(`${base}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", authorization: "Bearer x" },
    body: requestBody,
    ...(signal === undefined ? {} : { signal })
  })
  if (response.body === null) throw new Error("no body")
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    const frames = buffer.split("\n\n")
    buffer = frames.pop() ?? ""
    for (const frame of frames) {
      const at = frame.indexOf("data: ")
      if (at !== -1) onEvent(JSON.parse(frame.slice(at + 6)))
    }
  }
}

/** The same loop over `undici.request`: the practical floor for an HTTP client in Node. */
const undiciEvents = async (
  base: string,
  onEvent: (event: { type: string; delta?: string }) => void,
  signal?: AbortSignal
) => {
  const response = await undiciRequest(`${base}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", authorization: "Bearer x" },
    body: requestBody,
    ...(signal === undefined ? {} : { signal })
  })
  const decoder = new TextDecoder()
  let buffer = ""
  for await (const value of response.body) {
    buffer += decoder.decode(value, { stream: true })
    const frames = buffer.split("\n\n")
    buffer = frames.pop() ?? ""
    for (const frame of frames) {
      const at = frame.indexOf("data: ")
      if (at !== -1) onEvent(JSON.parse(frame.slice(at + 6)))
    }
  }
}

const rawCollect = async (base: string): Promise<string> => {
  const parts: Array<string> = []
  await rawEvents(base, (event) => {
    if (event.type === "response.output_text.delta" && event.delta !== undefined) parts.push(event.delta)
  })
  return parts.join("")
}

// ---------------------------------------------------------------------------------------
// The contenders
// ---------------------------------------------------------------------------------------

interface Contender {
  readonly name: string
  /** Collects the answer text of a scenario. */
  readonly collect: (scenario: ScenarioName) => Promise<string>
  /** Consumes a scenario event by event; returns the number of text characters seen. */
  readonly each: (scenario: ScenarioName) => Promise<number>
  /** Opens a stalled stream and interrupts it after its first event; resolves at the interrupt. */
  readonly interrupt: (scenario: ScenarioName) => Promise<number>
}

/** `each` and `interrupt` of a raw loop over one of the two event readers (fetch or undici). */
const rawLoop = (
  server: BenchServer,
  events: typeof rawEvents
): Pick<Contender, "each" | "interrupt"> => ({
  each: async (scenario) => {
    let chars = 0
    await events(server.url(scenario), (event) => {
      if (event.type === "response.output_text.delta" && event.delta !== undefined) chars += event.delta.length
    })
    return chars
  },
  interrupt: (scenario) =>
    new Promise((resolve) => {
      const controller = new AbortController()
      events(server.url(scenario), () => {
        const at = performance.now()
        controller.abort()
        resolve(at)
      }, controller.signal).catch(() => undefined)
    })
})

const rawContender = (server: BenchServer): Contender => ({
  name: "raw fetch loop",
  collect: (scenario) => rawCollect(server.url(scenario)),
  ...rawLoop(server, rawEvents)
})

const undiciContender = (server: BenchServer): Contender => ({
  name: "raw undici loop",
  collect: async (scenario) => {
    const parts: Array<string> = []
    await undiciEvents(server.url(scenario), (event) => {
      if (event.type === "response.output_text.delta" && event.delta !== undefined) parts.push(event.delta)
    })
    return parts.join("")
  },
  ...rawLoop(server, undiciEvents)
})

const openaiContender = (server: BenchServer): Contender => {
  const clients = new Map<ScenarioName, OpenAI>()
  const client = (scenario: ScenarioName) => {
    let c = clients.get(scenario)
    if (c === undefined) {
      c = new OpenAI({ apiKey: "x", baseURL: server.url(scenario), maxRetries: 0 })
      clients.set(scenario, c)
    }
    return c
  }
  const params = { model: "gpt-5.4", input: "bench", instructions: "", store: false } as const
  return {
    name: "openai-node",
    // openai-node at its fastest: plain `create({ stream: true })` iteration (its
    // `responses.stream()` helper keeps a running snapshot and is several times slower).
    // The backend's response.completed carries `output: []`, so the text is joined from the
    // deltas, as a user would have to.
    collect: async (scenario) => {
      const parts: Array<string> = []
      for await (const event of await client(scenario).responses.create({ ...params, stream: true })) {
        if (event.type === "response.output_text.delta") parts.push(event.delta)
      }
      return parts.join("")
    },
    each: async (scenario) => {
      let chars = 0
      const stream = await client(scenario).responses.create({ ...params, stream: true })
      for await (const event of stream) {
        if (event.type === "response.output_text.delta") chars += event.delta.length
      }
      return chars
    },
    interrupt: async (scenario) => {
      const stream = await client(scenario).responses.create({ ...params, stream: true })
      for await (const _event of stream) {
        const at = performance.now()
        stream.controller.abort()
        return at
      }
      return performance.now()
    }
  }
}

/** The SDK's Responses service over a bench scenario: what the Effect and Promise contenders both run. */
const sdkLayer = (server: BenchServer, scenario: ScenarioName, transport: Transport = "undici") =>
  Responses.layer.pipe(
    Layer.provide(Layer.mergeAll(
      CodexConfig.layer({ codexBaseUrl: server.url(scenario), maxStreamRetries: 0, maxRetries: 0 }),
      CodexAuth.layerTokens({ accessToken: CodexEmulator.fakeJwt({}) }),
      transport === "undici"
        ? CodexTransport.layerUndici
        : CodexTransport.layerHttpClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
    ))
  )

/** The SDK's two transports: its own over undici, and the adapter of a platform `HttpClient`. */
type Transport = "undici" | "http-client"

const sdkContender = (server: BenchServer, transport: Transport) => {
  const runtimes = new Map<ScenarioName, ManagedRuntime.ManagedRuntime<Responses.Responses, unknown>>()
  const runtime = (scenario: ScenarioName) => {
    let rt = runtimes.get(scenario)
    if (rt === undefined) {
      rt = ManagedRuntime.make(sdkLayer(server, scenario, transport))
      runtimes.set(scenario, rt)
    }
    return rt
  }
  const contender: Contender & {
    readonly eachChunk: (scenario: ScenarioName) => Promise<number>
    readonly dispose: () => Promise<void>
  } = {
    name: transport === "undici" ? "SDK (Effect, default transport)" : "SDK (Effect, layerHttpClient)",
    collect: (scenario) =>
      runtime(scenario).runPromise(
        Effect.flatMap(Responses.Responses, (r) => r.create({ input: "bench" })).pipe(
          Effect.map((res) => res.output_text)
        )
      ),
    each: (scenario) =>
      runtime(scenario).runPromise(Effect.flatMap(Responses.Responses, (r) => {
        let chars = 0
        return r.stream({ input: "bench" }).pipe(
          Stream.runForEach((event) =>
            Effect.sync(() => {
              if (event.type === "response.output_text.delta") chars += event.delta.length
            })
          ),
          Effect.map(() => chars)
        )
      })),
    eachChunk: (scenario: ScenarioName) =>
      runtime(scenario).runPromise(Effect.flatMap(Responses.Responses, (r) => {
        let chars = 0
        return r.stream({ input: "bench" }).pipe(
          Stream.runForEachChunk((chunk) =>
            Effect.sync(() => {
              for (const event of chunk) {
                if (event.type === "response.output_text.delta") chars += event.delta.length
              }
            })
          ),
          Effect.map(() => chars)
        )
      })),
    interrupt: (scenario) =>
      new Promise((resolve) => {
        // The consumer stops at the first text delta: that is the moment of the interrupt.
        const stream = Effect.flatMap(Responses.Responses, (r) =>
          r.stream({ input: "bench" }).pipe(
            Stream.filter(ResponseStreamEvent.is("response.output_text.delta")),
            Stream.tap(() => Effect.sync(() => resolve(performance.now()))),
            Stream.take(1),
            Stream.runDrain
          ))
        runtime(scenario).runPromise(stream).catch(() => undefined)
      }),
    dispose: async () => {
      for (const rt of runtimes.values()) await rt.dispose()
    }
  }
  return contender
}

/** The Promise facade (`CodexOpenAI`) over the same stack: what it adds to the Effect path. */
const facadeContender = (server: BenchServer) => {
  const clients = new Map<ScenarioName, CodexOpenAI>()
  const client = (scenario: ScenarioName) => {
    let c = clients.get(scenario)
    if (c === undefined) {
      c = new CodexOpenAI({ layer: sdkLayer(server, scenario) })
      clients.set(scenario, c)
    }
    return c
  }
  const contender: Contender & { readonly dispose: () => Promise<void> } = {
    name: "SDK (Promise facade)",
    collect: async (scenario) => (await client(scenario).responses.create({ input: "bench" })).output_text,
    each: async (scenario) => {
      let chars = 0
      for await (const event of await client(scenario).responses.create({ input: "bench", stream: true })) {
        if (event.type === "response.output_text.delta") chars += event.delta.length
      }
      return chars
    },
    interrupt: async (scenario) => {
      for await (const event of await client(scenario).responses.create({ input: "bench", stream: true })) {
        if (event.type === "response.output_text.delta") return performance.now() // `break`: the iterator's return() closes it
      }
      return performance.now()
    },
    dispose: async () => {
      for (const c of clients.values()) await c.close()
    }
  }
  return contender
}

// ---------------------------------------------------------------------------------------
// Measures
// ---------------------------------------------------------------------------------------

/**
 * One timed run. No `gc()` before it: a forced full collection flushes compiled code
 * (V8's bytecode flushing), which doubled the time of code-heavy clients and left tiny
 * loops untouched — a measurement artefact. Interleaving spreads GC pauses instead.
 */
const time = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

/**
 * `n` timed runs of each function, interleaved (one run of each per round, the order
 * rotating) so that drift in the machine's speed hits every contender alike. Returns the
 * median time of each, and the median over rounds of each one's time divided by the
 * first function's time in the same round (the ratio is taken between neighbours in time,
 * which cancels most of the machine's drift).
 */
const timeInterleaved = async (fs: ReadonlyArray<readonly [string, () => Promise<unknown>]>, n: number) => {
  for (const [, f] of fs) await f() // warm-up
  const times = new Map<string, Array<number>>(fs.map(([name]) => [name, []]))
  for (let round = 0; round < n; round++) {
    for (let k = 0; k < fs.length; k++) {
      const [name, f] = fs[(round + k) % fs.length] as readonly [string, () => Promise<unknown>]
      times.get(name)?.push(await time(f))
    }
  }
  const base = times.get(fs[0]?.[0] ?? "") ?? []
  return {
    values: Object.fromEntries([...times].map(([name, ts]) => [name, median(ts)])),
    ratios: Object.fromEntries([...times].map(([name, ts]) => [name, median(ts.map((t, i) => t / (base[i] ?? t)))]))
  }
}

const throughput = async (f: () => Promise<unknown>, requests: number, concurrency: number): Promise<number> => {
  let next = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      next++
      await f()
    }
  }))
  return requests / ((performance.now() - t0) / 1000)
}

const peakHeap = async (f: () => Promise<unknown>): Promise<number> => {
  gc?.()
  const base = process.memoryUsage().heapUsed
  let peak = base
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 1)
  const result = await f()
  peak = Math.max(peak, process.memoryUsage().heapUsed)
  clearInterval(sampler)
  void result
  return peak - base
}

interface Row {
  readonly measure: string
  readonly unit: string
  readonly target: string
  readonly higherIsBetter: boolean
  readonly values: Record<string, number>
  readonly ratios: Record<string, number>
  /** Against the raw undici loop and openai-node (value over theirs). */
  readonly vsUndici?: Record<string, number>
  readonly vsOpenai?: Record<string, number>
  readonly pass: boolean | undefined
}

const main = async () => {
  if (process.argv.includes("--conversation")) {
    const conversation = await conversationBench(quick ? 1 : 3)
    writeResults("conversation.json", conversation)
    return
  }
  const server = await start()
  const raw = rawContender(server)
  const undici = undiciContender(server)
  const openai = openaiContender(server)
  const sdk = sdkContender(server, "undici")
  const sdkHttp = sdkContender(server, "http-client")
  const facade = facadeContender(server)
  const contenders = [raw, undici, openai, sdk, sdkHttp, facade]
  const rows: Array<Row> = []
  const expected = scenario("big").text // rendered here too, the same way as in the server

  for (const c of contenders) {
    if ((await c.collect("big")) !== expected) throw new Error(`${c.name} collected the wrong text`)
  }

  /** Each contender's value over `of`'s (time: lower is better; req/s: higher is better). */
  const against = (values: Record<string, number>, of: string) => {
    const base = values[of]
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, base === undefined ? NaN : v / base]))
  }

  const ratioRow = (
    measure: string,
    unit: string,
    target: string,
    measured: { readonly values: Record<string, number>; readonly ratios?: Record<string, number> },
    higherIsBetter: boolean,
    check: (ratios: Record<string, number>, vsOpenai: Record<string, number>) => boolean
  ): Row => {
    const base = measured.values[raw.name] ?? 1
    const ratios = measured.ratios ?? Object.fromEntries(Object.entries(measured.values).map(([k, v]) => [k, v / base]))
    const vsOpenai = against(measured.values, openai.name)
    return {
      measure,
      unit,
      target,
      higherIsBetter,
      values: measured.values,
      ratios,
      vsUndici: against(measured.values, undici.name),
      vsOpenai,
      pass: check(ratios, vsOpenai)
    }
  }
  const sdkRatio = (ratios: Record<string, number>) => ratios[sdk.name] ?? Infinity

  // 1. A 20,000-delta stream collected into a Response.
  {
    const measured = await timeInterleaved(contenders.map((c) => [c.name, () => c.collect("big")] as const), reps)
    rows.push(
      ratioRow("20,000-delta stream, collected", "ms", "≤ 1.05 × fetch", measured, false, (r) => sdkRatio(r) <= 1.05)
    )
  }
  // 2. The same stream consumed event by event: the SDK with `Stream.runForEach` (an
  // Effect per event), and with `Stream.runForEachChunk` (a plain loop over each event).
  {
    const measured = await timeInterleaved(contenders.map((c) => [c.name, () => c.each("big")] as const), reps)
    rows.push(
      ratioRow(
        "20,000-delta stream, event by event (SDK: Stream.runForEach)",
        "ms",
        "≤ 1.3 × fetch",
        measured,
        false,
        (r) => sdkRatio(r) <= 1.3
      )
    )
    const chunked = await timeInterleaved(
      [
        [raw.name, () => raw.each("big")],
        [undici.name, () => undici.each("big")],
        [openai.name, () => openai.each("big")],
        [sdk.name, () => sdk.eachChunk("big")],
        [sdkHttp.name, () => sdkHttp.eachChunk("big")]
      ],
      reps
    )
    rows.push(
      ratioRow(
        "20,000-delta stream, event by event (SDK: Stream.runForEachChunk)",
        "ms",
        "≤ 1.1 × fetch",
        chunked,
        false,
        (r) => sdkRatio(r) <= 1.1
      )
    )
  }
  // 3. Small responses at concurrency 16.
  {
    const requests = quick ? 500 : 2000
    for (const c of contenders) await throughput(() => c.collect("small"), 200, 16) // warm-up
    const runs = new Map<string, Array<number>>(contenders.map((c) => [c.name, []]))
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      for (const c of contenders) runs.get(c.name)?.push(await throughput(() => c.collect("small"), requests, 16))
    }
    const values = Object.fromEntries([...runs].map(([name, rs]) => [name, median(rs)]))
    rows.push(ratioRow(
      `small responses (20 deltas), ${requests} requests at concurrency 16`,
      "req/s",
      "≥ 1.5 × fetch, ≥ 3 × openai-node; layerHttpClient ≥ openai-node",
      { values },
      true,
      (r, o) => sdkRatio(r) >= 1.5 && (o[sdk.name] ?? 0) >= 3 && (o[sdkHttp.name] ?? 0) >= 1
    ))
  }
  // 4. Peak heap while collecting a 20 MB response (the size of the reply body).
  {
    const size = scenario("huge").body.length
    const values: Record<string, number> = {}
    for (const c of contenders) {
      const runs: Array<number> = []
      for (let i = 0; i < (quick ? 1 : 3); i++) runs.push(await peakHeap(() => c.collect("huge")))
      values[c.name] = median(runs) / size
    }
    rows.push({
      measure: `peak heap while collecting a ${Math.round(size / 1e6)} MB response (reply body)`,
      unit: "× body size",
      target: "≤ 2 × the response size",
      higherIsBetter: false,
      values,
      ratios: values,
      pass: (values[sdk.name] ?? Infinity) <= 2
    })
  }
  // 5. Interrupt a stream: time until the server sees the socket closed.
  {
    const values: Record<string, number> = {}
    for (const c of contenders) {
      const runs: Array<number> = []
      for (let i = 0; i < (quick ? 3 : 9); i++) {
        const closed = await server.armClose()
        const interruptedAt = await c.interrupt("stall")
        runs.push((await closed()) - interruptedAt)
      }
      values[c.name] = median(runs)
    }
    rows.push({
      measure: "interrupt a stream → server sees the socket closed",
      unit: "ms",
      target: "< 5 ms",
      higherIsBetter: false,
      values,
      ratios: values,
      pass: (values[sdk.name] ?? Infinity) < 5
    })
  }

  await sdk.dispose()
  await sdkHttp.dispose()
  await facade.dispose()
  await server.close()

  const names = contenders.map((c) => c.name)
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2))
  console.log(
    `\nnode ${process.versions.node}, ${reps} interleaved rounds. Times are medians; ratios against the raw fetch loop are medians of per-round ratios.\n`
  )
  console.log(`| measure | ${names.join(" | ")} | target | SDK |`)
  console.log(`|---|${names.map(() => "---").join("|")}|---|---|`)
  for (const row of rows) {
    const cells = names.map((n) => {
      const v = row.values[n]
      const r = row.ratios[n] ?? NaN
      if (v === undefined) return "—"
      return row.values === row.ratios ? `${fmt(v)} ${row.unit}` : `${fmt(v)} ${row.unit} (${r.toFixed(2)} ×)`
    })
    console.log(`| ${row.measure} | ${cells.join(" | ")} | ${row.target} | ${row.pass ? "meets" : "MISSES"} |`)
  }
  console.log(
    `\nThe SDK's ratios (time: lower is better; req/s: higher is better) to the raw fetch loop, the raw undici loop and openai-node:\n`
  )
  const sdks = [sdk.name, sdkHttp.name, facade.name]
  console.log(`| measure | ${sdks.map((n) => `${n}: × fetch / × undici / × openai-node`).join(" | ")} |`)
  console.log(`|---|${sdks.map(() => "---").join("|")}|`)
  for (const row of rows) {
    if (row.vsUndici === undefined || row.vsOpenai === undefined) continue
    const cells = sdks.map((n) =>
      row.values[n] === undefined
        ? "—"
        : `${(row.ratios[n] ?? NaN).toFixed(2)} / ${(row.vsUndici?.[n] ?? NaN).toFixed(2)} / ${
          (row.vsOpenai?.[n] ?? NaN).toFixed(2)
        }`
    )
    console.log(`| ${row.measure} | ${cells.join(" | ")} |`)
  }
  console.log(
    `\nThe Promise facade against the Effect path (its cost; target ≤ 1.10 × on the collected and small-request rows):`
  )
  for (const row of rows.slice(0, 4)) {
    const effect = row.values[sdk.name]
    const promise = row.values[facade.name]
    if (effect !== undefined && promise !== undefined) {
      console.log(`- ${row.measure}: ${(row.higherIsBetter ? effect / promise : promise / effect).toFixed(3)} ×`)
    }
  }
  const conversation = await conversationBench(quick ? 1 : 3)
  const conversationTurns = await conversationTurnsBench(quick ? 3 : 20)
  const results = {
    date: new Date().toISOString(),
    node: process.versions.node,
    reps,
    rows,
    conversation,
    conversationTurns
  }
  writeResults("latest.json", results)
  writeFileSync(`${resultsDir}latest.svg`, chart(rows, names))
  console.log(`\nwrote bench/results/latest.json and latest.svg`)
}

const resultsDir = new URL("./results/", import.meta.url).pathname

const writeResults = (file: string, results: unknown) => {
  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(`${resultsDir}${file}`, `${JSON.stringify(results, null, 2)}\n`)
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
