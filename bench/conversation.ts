/**
 * The 20-turn conversation of `npm run bench` (protocol §13): the same conversation over
 * SSE and over the WebSocket transport, against the emulator in a child process
 * (`codex-backend emulator`), so the CPU measured is the client's alone. Each turn adds a
 * 5 KB user message and the emulator's echo of it, so the history reaches ≈ 200 KB.
 *
 * Measured per turn: the bytes the client wrote to its sockets (headers, bodies, frames:
 * counted on the sockets of the undici agent), the time from the call to the first event;
 * per run, the process CPU. `--conversation` runs only this part.
 */
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { spawn } from "node:child_process"
import * as Net from "node:net"
import { Agent } from "undici"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexAuth, CodexConfig, CodexTransport, Responses } from "../src/index.js"
import type { InputItem } from "../src/Responses.js"

const turns = 20
const messageBytes = 5 * 1024

/** Starts `codex-backend emulator` in a child process; resolves with its URL. */
const startEmulator = () =>
  new Promise<{ readonly url: string; readonly stop: () => void }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "emulator"], {
      cwd: new URL("..", import.meta.url).pathname,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8")
      const found = /listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (found?.[1] !== undefined) resolve({ url: found[1], stop: () => child.kill() })
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code) => reject(new Error(`the emulator exited (${code}): ${out}`)))
  })

interface Run {
  readonly uploaded: Array<number>
  readonly firstEvent: Array<number>
  cpuMs: number
  readonly answers: Array<string>
}

const converse = async (url: string, transport: "sse" | "websocket"): Promise<Run> => {
  let written = 0
  const sockets = new Set<Net.Socket>()
  const count = () => {
    let total = written
    for (const socket of sockets) total += socket.bytesWritten
    return total
  }
  const agent = new Agent({
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: (options, callback) => {
      const socket = Net.connect({ host: options.hostname, port: Number(options.port) })
      sockets.add(socket)
      socket.once("close", () => {
        written += socket.bytesWritten
        sockets.delete(socket)
      })
      socket.once("connect", () => callback(null, socket))
      socket.once("error", (error) => callback(error, null))
    }
  })
  const layer = Responses.layer.pipe(
    Layer.provide(Layer.mergeAll(
      CodexConfig.layer({ codexBaseUrl: `${url}/backend-api/codex`, transport }),
      CodexAuth.layerTokens({
        accessToken: CodexEmulator.fakeJwt({
          exp: 4102444800,
          "https://api.openai.com/auth": { chatgpt_account_id: "acct_emulated", chatgpt_plan_type: "plus" }
        })
      }),
      CodexTransport.layerDispatcher(agent)
    ))
  )
  const runtime = ManagedRuntime.make(layer)
  const responses = await runtime.runPromise(Responses.Responses)
  const history: Array<InputItem> = []
  const run: Run = { uploaded: [], firstEvent: [], cpuMs: 0, answers: [] }
  const cpu = process.cpuUsage()
  for (let turn = 0; turn < turns; turn++) {
    history.push({ role: "user", content: `turn ${turn}: ${"x".repeat(messageBytes)}` })
    const before = count()
    const start = performance.now()
    let first = 0
    const output: Array<InputItem> = []
    let text = ""
    await runtime.runPromise(
      Stream.runForEach(
        responses.stream({ input: [...history], prompt_cache_key: `bench-${transport}` }),
        (event) =>
          Effect.sync(() => {
            if (first === 0) first = performance.now() - start
            if (event.type === "response.output_item.done") output.push(event.item)
            if (event.type === "response.output_text.delta") text += event.delta
          })
      )
    )
    run.uploaded.push(count() - before)
    run.firstEvent.push(first)
    run.answers.push(text)
    history.push(...output)
  }
  const used = process.cpuUsage(cpu)
  run.cpuMs = (used.user + used.system) / 1000
  await runtime.dispose()
  await agent.close()
  return run
}

const sum = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0)
const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** Runs the conversation over both transports (alternating, `rounds` times) and prints the table. */
export const conversationBench = async (rounds: number) => {
  const emulator = await startEmulator()
  try {
    const runs: Record<"sse" | "websocket", Array<Run>> = { sse: [], websocket: [] }
    // One warm-up of each, then interleaved rounds.
    await converse(emulator.url, "sse")
    await converse(emulator.url, "websocket")
    for (let i = 0; i < rounds; i++) {
      runs.sse.push(await converse(emulator.url, "sse"))
      runs.websocket.push(await converse(emulator.url, "websocket"))
    }
    const sse = runs.sse[0] as Run
    const ws = runs.websocket[0] as Run
    if (JSON.stringify(sse.answers) !== JSON.stringify(ws.answers)) {
      throw new Error("the two transports gave different answers")
    }
    const perTurn = (pick: (run: Run) => ReadonlyArray<number>, list: ReadonlyArray<Run>) =>
      Array.from({ length: turns }, (_, t) => median(list.map((run) => pick(run)[t] ?? 0)))
    const upSse = perTurn((r) => r.uploaded, runs.sse)
    const upWs = perTurn((r) => r.uploaded, runs.websocket)
    const ttfSse = perTurn((r) => r.firstEvent, runs.sse)
    const ttfWs = perTurn((r) => r.firstEvent, runs.websocket)
    const kb = (n: number) => (n / 1024).toFixed(1)
    console.log(
      `\n20-turn conversation (history ≈ ${
        kb(sum(upSse.slice(-1)))
      } KB at the last turn over SSE), medians of ${rounds} rounds:\n`
    )
    console.log("| turn | uploaded SSE | uploaded WebSocket | first event SSE | first event WebSocket |")
    console.log("|---|---|---|---|---|")
    for (let t = 0; t < turns; t++) {
      console.log(
        `| ${t + 1} | ${kb(upSse[t] ?? 0)} KB | ${kb(upWs[t] ?? 0)} KB | ${(ttfSse[t] ?? 0).toFixed(2)} ms | ${
          (ttfWs[t] ?? 0).toFixed(2)
        } ms |`
      )
    }
    const cpuSse = median(runs.sse.map((r) => r.cpuMs))
    const cpuWs = median(runs.websocket.map((r) => r.cpuMs))
    const totals = {
      uploadedSse: sum(upSse),
      uploadedWebSocket: sum(upWs),
      uploadRatio: sum(upWs) / sum(upSse),
      firstEventSse: median(ttfSse),
      firstEventWebSocket: median(ttfWs),
      firstEventRatio: median(ttfWs) / median(ttfSse),
      cpuSse,
      cpuWebSocket: cpuWs,
      cpuRatio: cpuWs / cpuSse
    }
    console.log(
      `\nuploaded: SSE ${kb(totals.uploadedSse)} KB, WebSocket ${kb(totals.uploadedWebSocket)} KB (${
        (100 * totals.uploadRatio).toFixed(1)
      } %; target ≤ 10 %)` +
        `\nfirst event (median turn): SSE ${totals.firstEventSse.toFixed(2)} ms, WebSocket ${
          totals.firstEventWebSocket.toFixed(2)
        } ms (${totals.firstEventRatio.toFixed(2)} ×; target ≤ 1)` +
        `\nclient CPU for the 20 turns: SSE ${cpuSse.toFixed(0)} ms, WebSocket ${cpuWs.toFixed(0)} ms (${
          totals.cpuRatio.toFixed(2)
        } ×)`
    )
    return { turns, messageBytes, rounds, perTurn: { upSse, upWs, ttfSse, ttfWs }, totals }
  } finally {
    emulator.stop()
  }
}
