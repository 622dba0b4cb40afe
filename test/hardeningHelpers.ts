/** Helpers of the hardening tests: a loopback server, SSE framing, the printed forms of an error, a log capture. */
import { Cause, Effect, Logger } from "effect"
import * as Http from "node:http"
import * as NodeUtil from "node:util"

/** A loopback HTTP server for the scope; answers with `handler`. */
export const serve = (
  handler: (request: Http.IncomingMessage, body: string, response: Http.ServerResponse) => void,
  host = "127.0.0.1"
) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Http.Server; readonly url: string; readonly port: number }>((resume) => {
      const server = Http.createServer((request, response) => {
        let body = ""
        request.on("data", (d) => (body += d))
        request.on("end", () => handler(request, body, response))
      })
      server.listen(0, host, () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ server, port, url: `http://${host.includes(":") ? `[${host}]` : host}:${port}` }))
      })
    }),
    ({ server }) =>
      Effect.promise(() =>
        new Promise<void>((r) => {
          server.closeAllConnections()
          server.close(() => r())
        })
      )
  )

export const sseEvent = (event: Record<string, unknown>) =>
  `event: ${String(event["type"])}\ndata: ${JSON.stringify(event)}\n\n`

/** Every string form of an error a program may print. */
export const forms = (error: unknown): Array<string> => [
  error instanceof Error ? error.message : "",
  String(error),
  JSON.stringify(error),
  NodeUtil.inspect(error, { depth: 30 }),
  Cause.pretty(Cause.fail(error))
]

export const capture = (lines: Array<string>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ cause, message }) =>
      void lines.push(`${NodeUtil.inspect(message, { depth: 10 })} ${Cause.pretty(cause)}`)
    )
  )
