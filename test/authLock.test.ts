/**
 * The auth.json lock in one process (two processes: `crossProcess.test.ts`), a live owner on this host, a dead one after kill -9, and a refused header that is no unanswered refresh.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as NodeChild from "node:child_process"
import * as NodeFs from "node:fs/promises"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as CodexTransport from "../src/CodexTransport.js"
import { TokenStore } from "../src/index.js"
import * as TokenEndpoint from "../src/internal/tokenEndpoint.js"
import { tempHome } from "./helpers.js"

describe("3. the auth.json lock (one process; two processes: crossProcess.test.ts)", () => {
  const update = {
    accessToken: Redacted.make("at-new"),
    refreshToken: Redacted.make("rt-new"),
    lastRefresh: new Date()
  }

  it.live("a holder whose lock was taken over writes nothing and leaves the other owner's lock in place", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const lock = NodePath.join(dir, "auth.json.lock")
      const store = TokenStore.makeFile(dir)
      const error = yield* Effect.flip(store.modify(() =>
        Effect.promise(async () => {
          // another process broke our lock and took it
          await NodeFs.rm(lock, { recursive: true, force: true })
          await NodeFs.mkdir(lock)
          await NodeFs.writeFile(NodePath.join(lock, "owner"), "someone-else")
          return [undefined, update] as const
        })
      ))
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.include(error.message, "lock")
      assert.strictEqual(
        yield* Effect.promise(() => NodeFs.readFile(NodePath.join(lock, "owner"), "utf8")),
        "someone-else"
      )
      assert.notInclude(yield* Effect.promise(() => NodeFs.readdir(dir)), "auth.json")
    })))

  it.live("a stale lock (not renewed for `stale`) is broken; a fresh one is waited for", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const lock = NodePath.join(dir, "auth.json.lock")
      yield* Effect.promise(async () => {
        await NodeFs.mkdir(lock)
        await NodeFs.writeFile(NodePath.join(lock, "owner"), "dead-process")
        const old = new Date(Date.now() - 10_000)
        await NodeFs.utimes(lock, old, old)
      })
      const store = TokenStore.makeFile(dir, { stale: "5 seconds", timeout: "2 seconds" })
      yield* store.modify(() => Effect.succeed([undefined, update] as const))
      assert.deepStrictEqual(yield* Effect.promise(() => NodeFs.readdir(dir)), ["auth.json"], "broken, then released")
      yield* Effect.promise(async () => {
        await NodeFs.mkdir(lock)
        await NodeFs.writeFile(NodePath.join(lock, "owner"), "live-process")
      })
      const busy = yield* Effect.flip(
        TokenStore.makeFile(dir, { stale: "5 seconds", timeout: "300 millis" }).modify(() =>
          Effect.succeed([undefined, update] as const)
        )
      )
      assert.include(busy.message, "another process has held the lock")
    })))
})

describe("3b. the lock on one host: a live owner keeps it, a dead one loses it at once (hardening round 2)", () => {
  const update = {
    accessToken: Redacted.make("at-new"),
    refreshToken: Redacted.make("rt-new"),
    lastRefresh: new Date()
  }

  /** A child process of this host, for the scope (killed at its end). */
  const child = Effect.acquireRelease(
    Effect.sync(() => NodeChild.spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" })),
    (process) => Effect.sync(() => void process.kill("SIGKILL"))
  )
  const ownLock = (dir: string, pid: number, ageMillis: number) =>
    Effect.promise(async () => {
      const lock = NodePath.join(dir, "auth.json.lock")
      await NodeFs.mkdir(lock)
      await NodeFs.writeFile(NodePath.join(lock, "owner"), `${pid}.0123abcd@${NodeOs.hostname()}`)
      const old = new Date(Date.now() - ageMillis)
      await NodeFs.utimes(lock, old, old)
      return lock
    })

  it.live("a stopped (SIGSTOP) owner of this host keeps its lock however stale: no refresh token is spent twice", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const holder = yield* child
      holder.kill("SIGSTOP")
      const lock = yield* ownLock(dir, holder.pid ?? 0, 60_000)
      const store = TokenStore.makeFile(dir, { stale: "100 millis", timeout: "500 millis" })
      const error = yield* Effect.flip(store.modify(() => Effect.succeed([undefined, update] as const)))
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.include(error.message, `owner ${holder.pid}`)
      assert.include(error.message, "suspended")
      assert.strictEqual(
        yield* Effect.promise(() => NodeFs.readFile(NodePath.join(lock, "owner"), "utf8")),
        `${holder.pid}.0123abcd@${NodeOs.hostname()}`,
        "the lock is still its owner's"
      )
      assert.notInclude(yield* Effect.promise(() => NodeFs.readdir(dir)), "auth.json", "nothing was written")
    })))

  it.live("after kill -9 of the holder, the next run takes the lock at once and removes the temporary file holding tokens", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempHome
      const holder = yield* child
      const pid = holder.pid ?? 0
      yield* Effect.async<void>((resume) => {
        holder.once("exit", () => resume(Effect.void))
        holder.kill("SIGKILL")
      })
      yield* ownLock(dir, pid, 0) // fresh: the stale window (60 s by default) has not passed
      const leftover = NodePath.join(dir, `.auth.json.${pid}.a1b2c3d4e5f6.tmp`)
      yield* Effect.promise(() =>
        NodeFs.writeFile(leftover, "{\"tokens\":{\"refresh_token\":\"rt-left-behind\"}}", { mode: 0o600 })
      )
      const started = Date.now()
      yield* TokenStore.makeFile(dir).modify(() => Effect.succeed([undefined, update] as const)).pipe(
        Effect.timeout("5 seconds")
      )
      assert.isBelow(Date.now() - started, 2000, "no wait for the stale window")
      assert.deepStrictEqual(
        yield* Effect.promise(() => NodeFs.readdir(dir)),
        ["auth.json"],
        "the lock released, the leftover removed"
      )
    })))
})

describe("a header refused locally is not an unanswered refresh", () => {
  it.live("CR/LF in a header of a token request: RefreshFailed saying nothing was sent, not marked unanswered", () =>
    Effect.gen(function*() {
      const request = TokenEndpoint.post("http://127.0.0.1:9/oauth/token", { json: {} }, {
        originator: "codex\r\nx-injected: 1"
      })
      const error = yield* Effect.flip(TokenEndpoint.send(request))
      assert.strictEqual(error._tag, "RefreshFailed")
      assert.include(error.message, "nothing was sent")
      assert.isFalse(TokenEndpoint.isUnanswered(error), "the refresh token stays usable")
    }).pipe(Effect.provide(CodexTransport.layerUndici)))
})
