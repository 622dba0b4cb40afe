/**
 * The 50-turn `Conversation` of `npm run bench`: the SDK's own CPU per turn (history,
 * compaction check, commit) as the history grows, over a `Responses` test double that
 * answers at once with a ≈ 1 KB message (so no network or decoding is in the number).
 * Reports the median µs of turns 1, 25 and 50 over several runs. Run alone with
 * `node --import tsx bench/conversationTurns.ts`.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { Conversation, Responses } from "../src/index.js"
import type { Response } from "../src/Response.js"

const turns = 50
const text = "x".repeat(1024)

const answer = (n: number): Response => ({
  id: `resp_${n}`,
  object: "response",
  status: "completed",
  output: [{
    type: "message",
    id: `msg_${n}`,
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [] }]
  }],
  output_text: text,
  usage: { input_tokens: 300 * n, output_tokens: 256, total_tokens: 300 * n + 256 }
})

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** µs per turn, by turn number (1-based), median over `runs` conversations. */
export const conversationTurnsBench = async (runs: number) => {
  let served = 0
  const layer = Conversation.layer.pipe(
    Layer.provideMerge(Responses.layerTest({ create: () => Effect.sync(() => answer(++served)) }))
  )
  const runtime = ManagedRuntime.make(layer)
  const perTurn: Array<Array<number>> = Array.from({ length: turns }, () => [])
  const samples: Array<number> = []
  try {
    for (let run = 0; run < runs; run++) {
      const chat = await runtime.runPromise(
        Effect.flatMap(Conversation.Conversations, (c) => c.start({ compactAt: Number.MAX_SAFE_INTEGER }))
      )
      for (let turn = 0; turn < turns; turn++) {
        const started = process.hrtime.bigint()
        await runtime.runPromise(chat.send(`turn ${turn}: ${text}`))
        perTurn[turn]?.push(Number(process.hrtime.bigint() - started) / 1000)
      }
    }
    for (let i = 0; i < 200; i++) {
      const started = process.hrtime.bigint()
      await runtime.runPromise(Effect.flatMap(Responses.Responses, (r) => r.create({ input: "baseline" })))
      samples.push(Number(process.hrtime.bigint() - started) / 1000)
    }
  } finally {
    await runtime.dispose()
  }
  const baseline = median(samples)
  const at = (turn: number) => Math.round(median(perTurn[turn - 1] ?? []) * 10) / 10
  const result = {
    turns,
    runs,
    microsecondsPerTurn: { 1: at(1), 25: at(25), 50: at(50) },
    baseline: Math.round(baseline * 10) / 10
  }
  console.log(
    `\nConversation bookkeeping, µs per turn (median of ${runs} runs of ${turns} turns): turn 1 ${at(1)}, turn 25 ${
      at(25)
    }, turn 50 ${at(50)}` +
      ` (the double's create alone, through the same runtime: ${result.baseline})`
  )
  return result
}

if (import.meta.url === `file://${process.argv[1]}`) await conversationTurnsBench(Number(process.env["RUNS"] ?? 20))
