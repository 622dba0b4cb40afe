import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Logger } from "effect"
import * as CodexEmulator from "../src/CodexEmulator.js"
import { CodexAccount } from "../src/index.js"
import { layerClient } from "./helpers.js"

const withEmulator = Effect.provide(layerClient({ config: { retryBaseDelay: Duration.millis(1) } }))

const services = Effect.all({ account: CodexAccount.CodexAccount, emulator: CodexEmulator.CodexEmulator })

const paths = Effect.map(Effect.flatMap(CodexEmulator.CodexEmulator, (e) => e.requests), (r) => r.map((x) => x.path))

describe("CodexAccount against the emulator", () => {
  it.live("usage: typed windows with the wire's names, credits, unknown fields kept; the chatgpt.com headers", () =>
    Effect.gen(function*() {
      const { account, emulator } = yield* services
      const usage = yield* account.usage()
      assert.strictEqual(usage.plan_type, "plus")
      assert.strictEqual(usage.rate_limit?.primary_window?.used_percent, 42)
      assert.strictEqual(usage.rate_limit?.primary_window?.limit_window_seconds, 18000)
      assert.isNumber(usage.rate_limit?.secondary_window?.reset_at)
      assert.strictEqual(usage.credits?.balance, "0")
      assert.isNull(usage.rate_limit_reached_type)
      assert.deepStrictEqual(usage["spend_control"], { reached: false })
      const [request] = yield* emulator.requests
      assert.strictEqual(request?.path, "/backend-api/wham/usage")
      assert.strictEqual(request?.headers["chatgpt-account-id"], "acct_emulated")
      assert.match(request?.headers["user-agent"] ?? "", /^codex_cli_rs\/0\.169\.0 /)
    }).pipe(withEmulator))

  it.live("usage: null windows, another plan name, a reached-limit type", () =>
    Effect.gen(function*() {
      const { account, emulator } = yield* services
      yield* emulator.scriptRoute(
        "usage",
        CodexEmulator.http(200, {
          plan_type: "k12",
          rate_limit: { allowed: false, limit_reached: true, primary_window: null, secondary_window: null },
          credits: null,
          additional_rate_limits: [{
            limit_name: "GPT-5.3-Codex-Spark",
            metered_feature: "codex_spark",
            rate_limit: null
          }],
          rate_limit_reached_type: { type: "workspace_member_credits_depleted" }
        })
      )
      const usage = yield* account.usage()
      assert.strictEqual(usage.plan_type, "k12")
      assert.isNull(usage.rate_limit?.primary_window)
      assert.strictEqual(usage.rate_limit_reached_type?.type, "workspace_member_credits_depleted")
      assert.strictEqual(usage.additional_rate_limits?.[0]?.metered_feature, "codex_spark")
      assert.strictEqual(usage.raw["plan_type"], "k12")
    }).pipe(withEmulator))

  // Eight shapes the backend could drift to: what fits is typed, the rest is absent, the payload is raw, one warning names the paths.
  const window = { used_percent: 42, limit_window_seconds: 18000, reset_at: 1767240000 }
  const shapes: ReadonlyArray<
    {
      name: string
      payload: Record<string, unknown>
      check: (usage: CodexAccount.Usage) => void
      logged: ReadonlyArray<string>
    }
  > = [
    {
      name: "a string used_percent",
      payload: {
        plan_type: "plus",
        rate_limit: { primary_window: { ...window, used_percent: "42%" }, secondary_window: window }
      },
      check: (u) => {
        assert.isUndefined(u.rate_limit?.primary_window?.used_percent)
        assert.strictEqual(u.rate_limit?.primary_window?.limit_window_seconds, 18000)
        assert.strictEqual(u.rate_limit?.secondary_window?.used_percent, 42)
      },
      logged: ["rate_limit.primary_window.used_percent"]
    },
    {
      name: "a window without used_percent",
      payload: { plan_type: "plus", rate_limit: { primary_window: { limit_window_seconds: 18000 } } },
      check: (u) => assert.strictEqual(u.rate_limit?.primary_window?.limit_window_seconds, 18000),
      logged: []
    },
    {
      name: "a string rate_limit_reached_type",
      payload: { plan_type: "plus", rate_limit_reached_type: "rate_limit_reached" },
      check: (u) => {
        assert.isUndefined(u.rate_limit_reached_type)
        assert.strictEqual(u.plan_type, "plus")
      },
      logged: ["rate_limit_reached_type"]
    },
    {
      name: "a numeric plan_type and a string limit_reached",
      payload: { plan_type: 7, rate_limit: { allowed: true, limit_reached: "no", primary_window: window } },
      check: (u) => {
        assert.isUndefined(u.plan_type)
        assert.isTrue(u.rate_limit?.allowed)
        assert.isUndefined(u.rate_limit?.limit_reached)
        assert.strictEqual(u.rate_limit?.primary_window?.used_percent, 42)
      },
      logged: ["plan_type", "rate_limit.limit_reached"]
    },
    {
      name: "numbers as strings in the reset fields",
      payload: {
        rate_limit: { primary_window: { used_percent: 10, reset_at: "1767240000", reset_after_seconds: "60" } }
      },
      check: (u) => {
        assert.strictEqual(u.rate_limit?.primary_window?.used_percent, 10)
        assert.isUndefined(u.rate_limit?.primary_window?.reset_at)
      },
      logged: ["rate_limit.primary_window.reset_after_seconds", "rate_limit.primary_window.reset_at"]
    },
    {
      name: "an array where an object is expected",
      payload: { plan_type: "pro", rate_limit: [window], credits: { has_credits: true, balance: "12" } },
      check: (u) => {
        assert.isUndefined(u.rate_limit)
        assert.strictEqual(u.credits?.balance, "12")
      },
      logged: ["rate_limit"]
    },
    {
      name: "one bad element of additional_rate_limits",
      payload: {
        additional_rate_limits: [{ limit_name: "a", rate_limit: { primary_window: window } }, "oops", {
          limit_name: 3,
          metered_feature: "m"
        }]
      },
      check: (u) => {
        assert.deepStrictEqual(u.additional_rate_limits?.map((l) => l.limit_name ?? l.metered_feature), ["a", "m"])
      },
      logged: ["additional_rate_limits.1", "additional_rate_limits.2.limit_name"]
    },
    {
      name: "unknown fields everywhere",
      payload: {
        plan_type: "plus",
        novel: { x: 1 },
        rate_limit: { primary_window: { ...window, novel: true }, novel: [] }
      },
      check: (u) => {
        assert.deepStrictEqual(u["novel"], { x: 1 })
        assert.strictEqual(u.rate_limit?.primary_window?.["novel"], true)
      },
      logged: []
    }
  ]
  for (const shape of shapes) {
    it.live(`usage never fails on an unexpected shape: ${shape.name}`, () =>
      Effect.gen(function*() {
        const { account, emulator } = yield* services
        const logs: Array<string> = []
        yield* emulator.scriptRoute("usage", CodexEmulator.http(200, shape.payload))
        const usage = yield* account.usage().pipe(
          Effect.provide(
            Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void logs.push(String(message))))
          )
        )
        shape.check(usage)
        assert.deepStrictEqual(usage.raw, shape.payload, "the payload as sent")
        if (shape.logged.length === 0) assert.deepStrictEqual(logs, [])
        else {
          assert.strictEqual(logs.length, 1, "one line per call")
          for (const path of shape.logged) assert.include(logs[0], path)
        }
      }).pipe(withEmulator))
  }

  it.live("usage: a reply that is not a JSON object is still a DecodeError", () =>
    Effect.gen(function*() {
      const { account, emulator } = yield* services
      yield* emulator.scriptRoute("usage", CodexEmulator.http(200, [1, 2], { "x-request-id": "req_u" }))
      const error = yield* Effect.flip(account.usage())
      assert.strictEqual(error._tag, "DecodeError")
      assert.include(error.message, "req_u")
      assert.strictEqual(error._tag === "DecodeError" ? error.endpoint : undefined, "GET /wham/usage")
    }).pipe(withEmulator))

  it.live("tasks: list with filters in the query, retrieve, turns, sibling turns", () =>
    Effect.gen(function*() {
      const { account } = yield* services
      const page = yield* account.tasks.list({ limit: 1, task_filter: "current", environment_id: "env_1" })
      assert.deepStrictEqual((page["items"] as ReadonlyArray<{ id: string }>).map((t) => t.id), ["task_e_1"])
      const all = yield* account.tasks.list()
      assert.strictEqual((all["items"] as ReadonlyArray<unknown>).length, 2)
      const task = yield* account.tasks.retrieve("task_e_1")
      assert.strictEqual((task["task"] as { title: string }).title, "Fix the flaky test")
      const turns = yield* account.tasks.turns.list("task_e_1")
      assert.strictEqual(turns["current_turn_id"], "turn_a_2")
      const siblings = yield* account.tasks.turns.siblingTurns("task_e_1", "turn_a_1")
      assert.deepStrictEqual((siblings["sibling_turns"] as ReadonlyArray<{ id: string }>).map((t) => t.id), [
        "turn_a_2"
      ])
      assert.deepStrictEqual(yield* paths, [
        "/backend-api/wham/tasks/list?limit=1&task_filter=current&environment_id=env_1",
        "/backend-api/wham/tasks/list",
        "/backend-api/wham/tasks/task_e_1",
        "/backend-api/wham/tasks/task_e_1/turns",
        "/backend-api/wham/tasks/task_e_1/turns/turn_a_1/sibling_turns"
      ])
    }).pipe(withEmulator))

  it.live("ids are one encoded path segment: '/' and '..' cannot reach another route", () =>
    Effect.gen(function*() {
      const { account } = yield* services
      const climbing = yield* Effect.flip(account.tasks.retrieve("../../memories"))
      assert.strictEqual(climbing._tag, "NotFound")
      const dots = yield* Effect.flip(account.tasks.turns.list(".."))
      assert.isTrue(dots._tag === "InvalidParameter" && dots.parameter === "taskId")
      const empty = yield* Effect.flip(account.tasks.turns.siblingTurns("task_e_1", ""))
      assert.isTrue(empty._tag === "InvalidParameter" && empty.parameter === "turnId")
      // A lone surrogate cannot be percent-encoded: a typed error, not a URIError defect.
      const surrogate = yield* Effect.flip(account.tasks.retrieve("task_\uD800"))
      assert.isTrue(surrogate._tag === "InvalidParameter" && surrogate.parameter === "taskId", surrogate.message)
      const limit = yield* Effect.flip(account.tasks.list({ limit: -1 }))
      assert.isTrue(limit._tag === "InvalidParameter" && limit.parameter === "limit")
      assert.deepStrictEqual(yield* paths, ["/backend-api/wham/tasks/..%2F..%2Fmemories"])
    }).pipe(withEmulator))

  it.live("environments (a bare array), memories, user system messages", () =>
    Effect.gen(function*() {
      const { account } = yield* services
      const environments = yield* account.environments.list()
      assert.deepStrictEqual(environments.map((e) => e["id"]), ["env_1", "env_2"])
      const memories = yield* account.memories.list()
      assert.strictEqual((memories["memories"] as ReadonlyArray<unknown>).length, 2)
      const messages = yield* account.userSystemMessages.retrieve()
      assert.strictEqual(messages["object"], "user_system_message_detail")
      assert.deepStrictEqual(yield* paths, [
        "/backend-api/wham/environments",
        "/backend-api/memories",
        "/backend-api/user_system_messages"
      ])
    }).pipe(withEmulator))

  it.live("failures: an unknown task is NotFound; a plan-gated route is PermissionDenied; an object where an array belongs is a DecodeError", () =>
    Effect.gen(function*() {
      const { account, emulator } = yield* services
      const missing = yield* Effect.flip(account.tasks.retrieve("task_nope"))
      assert.strictEqual(missing._tag, "NotFound")
      yield* emulator.scriptRoute(
        "tasks",
        CodexEmulator.http(403, { detail: "Cloud tasks are not available on your plan" })
      )
      const gated = yield* Effect.flip(account.tasks.list())
      assert.isTrue(gated._tag === "PermissionDenied" && gated.reason === "forbidden")
      yield* emulator.scriptRoute("environments", CodexEmulator.http(200, { items: [] }))
      const shape = yield* Effect.flip(account.environments.list())
      assert.strictEqual(shape._tag, "DecodeError")
    }).pipe(withEmulator))
})
