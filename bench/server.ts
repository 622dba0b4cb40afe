/**
 * A minimal loopback SSE server for the benchmark, run in its own process (like a remote
 * server, it does not share the clients' event loop). It serves pre-rendered bodies framed
 * exactly like the backend (and the emulator), but costs almost nothing per request, so
 * the clients' own costs dominate the measurements. (The emulator builds its replies with
 * Effect streams per request; its overhead would blur the comparison.)
 *
 * Scenarios are chosen by a path prefix: `/s/<scenario>/backend-api/codex/responses`.
 * For the interrupt measure: `GET /arm` watches for the next stalled connection to close;
 * `GET /closed` answers once it has, with how many milliseconds ago it closed.
 */
import * as ChildProcess from "node:child_process"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { textEvents } from "../src/internal/emulator/events.js"

/** @internal */
export interface Scenario {
  readonly body: Buffer
  /** The answer text the body spells out. */
  readonly text: string
  readonly deltas: number
  /** Keep the connection open after the body (for the interrupt measure). */
  readonly stall?: boolean
}

const render = (text: string, deltaSize: number, stall = false): Scenario => {
  const events = textEvents(text, { deltaSize })
  const frames = stall ? events.slice(0, 6) : events
  const body = Buffer.from(frames.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(""))
  return { body, text, deltas: events.filter((e) => e.type === "response.output_text.delta").length, stall }
}

const words = (chars: number): string => {
  const word = "token "
  return word.repeat(Math.ceil(chars / word.length)).slice(0, chars)
}

const builders = {
  /** 20,000 deltas of 6 characters. */
  big: () => render(words(120_000), 6),
  /** 20 deltas. */
  small: () => render(words(120), 6),
  /**
   * A 20 MB reply body: a 5 MB answer in 5,000 deltas of 1,000 characters, plus the
   * `output_text.done`, `content_part.done` and `output_item.done` events that each repeat
   * the whole text, as the backend sends them.
   */
  huge: () => render(words(5_000_000), 1_000),
  /** A few events, then silence: for the interrupt measure. */
  stall: () => render(words(120), 6, true)
} as const

/** @internal */
export type ScenarioName = keyof typeof builders

const rendered = new Map<ScenarioName, Scenario>()

/** A scenario, rendered on first use (the 20 MB one is only built when measured). @internal */
export const scenario = (name: ScenarioName): Scenario => {
  let s = rendered.get(name)
  if (s === undefined) {
    s = builders[name]()
    rendered.set(name, s)
  }
  return s
}

const isScenario = (name: string): name is ScenarioName => Object.hasOwn(builders, name)

/** @internal */
export interface BenchServer {
  readonly url: (scenario: ScenarioName) => string
  /** Watches for the next stalled connection to close; the returned function resolves with when it closed (this process's `performance.now()`). */
  readonly armClose: () => Promise<() => Promise<number>>
  readonly close: () => Promise<void>
}

const serve = (port: number) => {
  let closedAt: number | undefined = undefined
  let waiters: Array<() => void> = []
  const server = Http.createServer((request, response) => {
    if (request.url === "/arm") {
      closedAt = undefined
      response.end("armed")
      return
    }
    if (request.url === "/closed") {
      const answer = () => response.end(String(performance.now() - (closedAt ?? 0)))
      if (closedAt === undefined) waiters.push(answer)
      else answer()
      return
    }
    const name = /^\/s\/(\w+)\//.exec(request.url ?? "")?.[1]
    const current = name !== undefined && isScenario(name) ? scenario(name) : undefined
    request.resume()
    request.on("end", () => {
      if (current === undefined) {
        response.writeHead(404).end()
        return
      }
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      if (current.stall === true) {
        response.on("close", () => {
          closedAt = performance.now()
          const ready = waiters
          waiters = []
          for (const waiter of ready) waiter()
        })
        response.write(current.body)
      } else {
        response.end(current.body)
      }
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(port, "127.0.0.1", () => {
    process.send?.({ port: (server.address() as AddressInfo).port })
  })
}

/** Starts the server in a child process. @internal */
export const start = (): Promise<BenchServer> =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.fork(new URL(import.meta.url).pathname, ["--serve"], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    child.once("error", reject)
    child.once("message", (message) => {
      const port = (message as { readonly port: number }).port
      const origin = `http://127.0.0.1:${port}`
      resolve({
        url: (name) => `${origin}/s/${name}/backend-api/codex`,
        armClose: async () => {
          await (await fetch(`${origin}/arm`)).text()
          return async () => {
            const ago = Number(await (await fetch(`${origin}/closed`)).text())
            return performance.now() - ago
          }
        },
        close: () =>
          new Promise((r) => {
            child.once("exit", () => r())
            child.kill()
          })
      })
    })
  })

if (process.argv.includes("--serve")) serve(0)
