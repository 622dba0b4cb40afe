/**
 * Where ChatGPT tokens live: `$CODEX_HOME/auth.json` in the Codex CLI's exact format
 * (shared safely with the CLI and other processes), or memory.
 *
 * The file store follows the protocol's cross-process rules (§2.10): an exclusive lock on
 * `auth.json.lock` around read → check → refresh → write; a re-read under the lock; merged
 * (never replaced) content, so unknown keys survive; atomic writes (a temporary file
 * created with mode 0600 in the same directory, fsynced, then renamed over `auth.json`).
 *
 * The lock holds an owner token and is renewed while held, so no other process breaks it
 * as stale while its owner is alive; it is released, or broken when stale, only when the
 * token still matches. The store refuses a `CODEX_HOME` that others can write to, and an
 * `auth.json` over 4 MB.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Redacted, Ref } from "effect"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs/promises"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { CodexConfig } from "./CodexConfig.js"
import { TokenStoreError } from "./CodexError.js"
import { isRecord, str } from "./internal/jsonGuards.js"
import { heldSecret } from "./internal/scrub.js"

/**
 * The tokens of a ChatGPT login. All secrets are `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredTokens {
  readonly idToken: Redacted.Redacted<string>
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
  /** `tokens.account_id`; `undefined` when the file has none (a claim may supply it). */
  readonly accountId: string | undefined
  /** `last_refresh`. */
  readonly lastRefresh: Date | undefined
  /** `OPENAI_API_KEY`, from the API-key exchange; `undefined` when null. */
  readonly apiKey: Redacted.Redacted<string> | undefined
  /**
   * A refresh with this refresh token was sent and got no answer (it timed out): the
   * issuer may have rotated it, so it must not be sent again.
   */
  readonly unansweredRefresh?: boolean | undefined
}

/**
 * What a login or a refresh writes. Absent fields keep their stored value.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenUpdate {
  readonly idToken?: Redacted.Redacted<string> | undefined
  readonly accessToken?: Redacted.Redacted<string> | undefined
  readonly refreshToken?: Redacted.Redacted<string> | undefined
  readonly accountId?: string | undefined
  /** `null` writes `"OPENAI_API_KEY": null`. */
  readonly apiKey?: Redacted.Redacted<string> | null | undefined
  readonly lastRefresh: Date
  /** Marks the stored refresh token as sent without an answer (see `StoredTokens.unansweredRefresh`). */
  readonly unansweredRefresh?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Where the tokens live (for messages). */
  readonly location: string
  /** The stored tokens, or `undefined` when there is no ChatGPT login. */
  readonly load: Effect.Effect<StoredTokens | undefined, TokenStoreError>
  /**
   * Runs `f` under the store's exclusive lock with the tokens stored at that moment, and
   * writes the update it returns (merged into what is stored). Other processes using this
   * SDK wait for the lock.
   */
  readonly modify: <A, E, R>(
    f: (current: StoredTokens | undefined) => Effect.Effect<readonly [A, TokenUpdate | undefined], E, R>
  ) => Effect.Effect<A, E | TokenStoreError, R>
  /** Removes the stored credentials (the file, or the memory). */
  readonly clear: Effect.Effect<void, TokenStoreError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class TokenStore extends Context.Tag("codex-backend-sdk/TokenStore")<TokenStore, Service>() {}

/**
 * The key of auth.json marking a refresh token whose refresh got no answer: a short
 * SHA-256 of that token (never the token). Other clients ignore unknown keys; a rotation
 * makes the mark stale by itself.
 */
const unansweredKey = "codex_backend_sdk_unanswered_refresh"

const fingerprint = (token: string) => NodeCrypto.createHash("sha256").update(token).digest("hex").slice(0, 32)

/** Reads the tokens of a parsed auth.json; `undefined` when it has no ChatGPT tokens. */
const tokensOf = (json: Record<string, unknown>): StoredTokens | undefined => {
  const tokens = json["tokens"]
  if (!isRecord(tokens)) return undefined
  const access = str(tokens["access_token"])
  const refresh = str(tokens["refresh_token"])
  const id = str(tokens["id_token"])
  if (access === undefined || refresh === undefined || id === undefined) return undefined
  const lastRefresh = str(json["last_refresh"])
  const parsed = lastRefresh === undefined ? Number.NaN : Date.parse(lastRefresh)
  const apiKey = str(json["OPENAI_API_KEY"]) ?? str(json["openai_api_key"])
  const unanswered = str(json[unansweredKey])
  return {
    idToken: heldSecret(id),
    accessToken: heldSecret(access),
    refreshToken: heldSecret(refresh),
    accountId: str(tokens["account_id"]),
    lastRefresh: Number.isNaN(parsed) ? undefined : new Date(parsed),
    apiKey: apiKey === undefined ? undefined : heldSecret(apiKey),
    ...(unanswered !== undefined && unanswered === fingerprint(refresh) ? { unansweredRefresh: true } : {})
  }
}

/**
 * `last_refresh` as the CLI writes it: RFC 3339 UTC with microseconds
 * (`2026-08-20T09:15:02.123456Z`).
 */
const rfc3339 = (date: Date): string => date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z")

/**
 * Merges an update into a parsed auth.json (protocol §2.10 rule 4): only the given
 * `tokens.*` fields, `tokens.account_id` when newly known, `last_refresh`, and the API key
 * change; every other key stays where it was. A new file gets the CLI's key order.
 */
const merge = (json: Record<string, unknown>, update: TokenUpdate): Record<string, unknown> => {
  const out: Record<string, unknown> = Object.keys(json).length === 0
    ? { auth_mode: "chatgpt", OPENAI_API_KEY: null, tokens: {}, last_refresh: null }
    : { ...json }
  if (out["auth_mode"] === undefined) out["auth_mode"] = "chatgpt"
  if (update.apiKey !== undefined) out["OPENAI_API_KEY"] = update.apiKey === null ? null : Redacted.value(update.apiKey)
  else if (!("OPENAI_API_KEY" in out)) out["OPENAI_API_KEY"] = null
  const tokens: Record<string, unknown> = isRecord(out["tokens"])
    ? { ...out["tokens"] }
    : { id_token: null, access_token: null, refresh_token: null, account_id: null }
  const order = ["id_token", "access_token", "refresh_token", "account_id"]
  for (const key of order) if (!(key in tokens)) tokens[key] = null
  if (update.idToken !== undefined) tokens["id_token"] = Redacted.value(update.idToken)
  if (update.accessToken !== undefined) tokens["access_token"] = Redacted.value(update.accessToken)
  if (update.refreshToken !== undefined) tokens["refresh_token"] = Redacted.value(update.refreshToken)
  if (update.accountId !== undefined) tokens["account_id"] = update.accountId
  out["tokens"] = tokens
  out["last_refresh"] = rfc3339(update.lastRefresh)
  const refresh = tokens["refresh_token"]
  if (update.unansweredRefresh === true && typeof refresh === "string") out[unansweredKey] = fingerprint(refresh)
  else if (update.refreshToken !== undefined) delete out[unansweredKey]
  return out
}

const errno = (cause: unknown): string | undefined =>
  isRecord(cause) && typeof cause["code"] === "string" ? cause["code"] : undefined

/**
 * The options of the file store's lock.
 *
 * @since 0.1.0
 * @category models
 */
export interface LockOptions {
  /** Give up taking the lock after this long (default: the stale window plus 15 s). */
  readonly timeout?: Duration.DurationInput
  /**
   * A lock of another host not renewed for this long is left over by a dead process and
   * is broken (default 60 s). A live owner renews it every third of this. On this host the
   * owner's pid decides instead: a lock whose owner process is alive (even stopped or
   * suspended) is never broken, and one whose owner died is broken at once.
   */
  readonly stale?: Duration.DurationInput
}

/**
 * The options of the file store.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileOptions extends LockOptions {
  /** Accept a directory that is group- or world-writable or owned by another user (default false). */
  readonly allowInsecureCodexHome?: boolean
  /** Refuse an `auth.json` larger than this (default 4 MB). */
  readonly maxFileBytes?: number
}

/**
 * Real time, not the Effect clock: the other side of the lock is another process. The
 * timer is cleared on interruption, so a released lock's renewal keeps no process alive.
 */
const realSleep = (millis: number) =>
  Effect.async<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })

const readOwner = (lockPath: string): Promise<string | undefined> =>
  NodeFs.readFile(NodePath.join(lockPath, "owner"), "utf8").catch(() => undefined)

/** Whether process `pid` of this host is alive (a stopped process is); `EPERM`: alive, another user's. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    return errno(cause) !== "ESRCH"
  }
}

/**
 * The owner of a lock: `<pid>.<random>@<host>`. `"alive"` / `"dead"` for an owner of this
 * host; `"unknown"` for another host's (or an owner file in another format): the stale
 * window decides.
 */
const ownerState = (owner: string | undefined): "alive" | "dead" | "unknown" => {
  const match = owner === undefined ? null : /^(\d+)\.[0-9a-f]+@(.+)$/.exec(owner)
  if (match === null || match[2] !== NodeOs.hostname()) return "unknown"
  return alive(Number(match[1])) ? "alive" : "dead"
}

/** Temporary files of `writeJson` (they hold tokens): `.auth.json.<pid>.<random>.tmp`. */
const tempPattern = /^\.auth\.json\.(\d+)\.[0-9a-f]+\.tmp$/

/**
 * Removes the temporary files a killed writer left (they hold tokens). Runs under the
 * lock, when no write of a live process is in flight; a file of a live pid is kept.
 */
const removeLeftovers = async (directory: string): Promise<void> => {
  const names = await NodeFs.readdir(directory).catch(() => [] as Array<string>)
  for (const name of names) {
    const match = tempPattern.exec(name)
    if (match !== null && !alive(Number(match[1]))) await NodeFs.rm(NodePath.join(directory, name), { force: true })
  }
}

/**
 * Takes an exclusive cross-process lock, `<file>.lock`: `mkdir` is atomic on every
 * platform; the directory then gets an `owner` file with a random token. While held, a
 * fiber renews its time stamp every `stale / 3`.
 * A lock whose owner died is broken atomically: renamed aside, then removed only if it is
 * still the same one (else put back). The owner is dead when its pid is gone on this host,
 * or, for another host's owner, when the lock was not renewed for `stale`; a live owner of
 * this host is never broken (a stopped process would otherwise lose the lock, and the
 * refresh token it may already have sent would be spent twice). Release removes the lock
 * only if it still holds our token. `held` says whether it still does.
 */
const acquireLock = (lockPath: string, options: LockOptions) => {
  const stale = Duration.toMillis(options.stale ?? Duration.seconds(60))
  // Longer than the stale window, so an owner of another host that died is waited out.
  const timeout = Duration.toMillis(options.timeout ?? Duration.millis(stale + 15_000))
  const token = `${process.pid}.${NodeCrypto.randomBytes(12).toString("hex")}@${NodeOs.hostname()}`
  const take = async (): Promise<boolean> => {
    try {
      await NodeFs.mkdir(lockPath, { mode: 0o700 })
    } catch (cause) {
      if (errno(cause) === "EEXIST") return false
      throw cause
    }
    try {
      await NodeFs.writeFile(NodePath.join(lockPath, "owner"), token, { mode: 0o600 })
    } catch (cause) {
      await NodeFs.rm(lockPath, { recursive: true, force: true })
      throw cause
    }
    return true
  }
  const breakIfStale = async (): Promise<void> => {
    const stat = await NodeFs.stat(lockPath).catch(() => undefined)
    if (stat === undefined) return
    const owner = await readOwner(lockPath)
    const state = ownerState(owner)
    if (state === "alive" || (state === "unknown" && Date.now() - stat.mtimeMs <= stale)) return
    const aside = `${lockPath}.${token}.stale`
    try {
      await NodeFs.rename(lockPath, aside)
    } catch {
      return // someone else broke or released it first
    }
    if ((await readOwner(aside)) === owner) {
      await NodeFs.rm(aside, { recursive: true, force: true })
    } else {
      // A fresh lock replaced the stale one before our rename: give it back.
      await NodeFs.rename(aside, lockPath).catch(() => NodeFs.rm(aside, { recursive: true, force: true }))
    }
  }
  let lastOwner: string | undefined
  const attempt = Effect.tryPromise({
    try: async () => {
      if (await take()) return true
      lastOwner = await readOwner(lockPath)
      await breakIfStale()
      return false
    },
    catch: (cause) =>
      new TokenStoreError({ path: lockPath, detail: `could not take the lock (${errno(cause) ?? "error"})`, cause })
  })
  const started = Date.now()
  const loop = (delay: number): Effect.Effect<void, TokenStoreError> =>
    Effect.flatMap(attempt, (taken) => {
      if (taken) return Effect.void
      if (Date.now() - started > timeout) {
        return Effect.fail(
          new TokenStoreError({
            path: lockPath,
            detail: `another process has held the lock for over ${Math.round(timeout / 1000)} s (${
              lastOwner === undefined
                ? "owner unknown"
                : `owner ${lastOwner.split(".")[0]}${lastOwner.includes("@") ? ` on ${lastOwner.split("@")[1]}` : ""}`
            }; a stopped or suspended process keeps it); if none is running, remove the lock directory`
          })
        )
      }
      return Effect.zipRight(realSleep(delay), loop(Math.min(delay * 2, 100)))
    })
  const held = Effect.promise(async () => (await readOwner(lockPath)) === token)
  const renew: Effect.Effect<never> = Effect.zipRight(
    realSleep(Math.max(1, Math.floor(stale / 3))),
    Effect.zipRight(
      Effect.promise(async () => {
        if ((await readOwner(lockPath)) !== token) return
        const now = new Date()
        await NodeFs.utimes(lockPath, now, now).catch(() => undefined)
      }),
      Effect.suspend(() => renew)
    )
  )
  const release = Effect.promise(async () => {
    if ((await readOwner(lockPath)) !== token) return
    const aside = `${lockPath}.${token}.released`
    await NodeFs.rename(lockPath, aside).catch(() => undefined)
    await NodeFs.rm(aside, { recursive: true, force: true })
  })
  return Effect.zipRight(
    Effect.acquireRelease(loop(2), () => release),
    Effect.as(Effect.forkScoped(renew), { held })
  )
}

/**
 * Reads at most `max` bytes of a regular file; `undefined` when it does not exist, `"too
 * large"` beyond, `"not a file"` for a FIFO, a device or a directory (opened without
 * blocking: a FIFO would otherwise hang the open until a writer came).
 */
const readCapped = async (path: string, max: number): Promise<string | undefined | "too large" | "not a file"> => {
  let handle: NodeFs.FileHandle
  try {
    handle = await NodeFs.open(path, NodeFs.constants.O_RDONLY | NodeFs.constants.O_NONBLOCK)
  } catch (cause) {
    if (errno(cause) === "ENOENT") return undefined
    throw cause
  }
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) return "not a file"
    if (stat.size > max) return "too large"
    const buffer = Buffer.alloc(Math.min(max + 1, 64 * 1024))
    const chunks: Array<Buffer> = []
    let total = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null)
      if (bytesRead === 0) break
      total += bytesRead
      if (total > max) return "too large"
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)))
    }
    return Buffer.concat(chunks, total).toString("utf8")
  } finally {
    await handle.close()
  }
}

const formatMb = (bytes: number) => `${Math.round((bytes / 2 ** 20) * 10) / 10} MB`

/**
 * Refuses a directory others can write to (group or world write permission) or that
 * another user owns: they could plant an `auth.json` or hold its lock. A directory that
 * does not exist yet is fine (it is created 0700).
 */
const checkDirectory = async (directory: string): Promise<string | undefined> => {
  const stat = await NodeFs.stat(directory).catch(() => undefined)
  if (stat === undefined || process.platform === "win32") return undefined
  const uid = process.getuid?.()
  if (uid !== undefined && stat.uid !== uid) {
    return `${directory} is owned by another user (uid ${stat.uid}, not ${uid})`
  }
  if ((stat.mode & 0o022) !== 0) {
    return `${directory} is ${(stat.mode & 0o002) !== 0 ? "world" : "group"}-writable (mode ${
      (stat.mode & 0o7777).toString(8)
    })`
  }
  return undefined
}

/**
 * The Codex CLI's `auth.json` in `CodexConfig.codexHome`, shared safely with the CLI and
 * other processes (see the module description). The directory is created (mode 0700) on
 * the first write.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFile = (options: FileOptions = {}): Layer.Layer<TokenStore, never, CodexConfig> =>
  Layer.effect(
    TokenStore,
    Effect.map(CodexConfig, (config) =>
      makeFile(config.codexHome, { allowInsecureCodexHome: config.allowInsecureCodexHome, ...options }))
  )

/**
 * A file store for a given directory (see {@link layerFile}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeFile = (directory: string, options: FileOptions = {}): Service => {
  const path = NodePath.join(directory, "auth.json")
  const lockPath = `${path}.lock`
  const maxFileBytes = options.maxFileBytes ?? 4 * 2 ** 20
  const fail = (detail: string) => (cause: unknown) =>
    new TokenStoreError({ path, detail: `${detail} (${errno(cause) ?? "error"})`, cause })

  const checkHome: Effect.Effect<void, TokenStoreError> = options.allowInsecureCodexHome === true
    ? Effect.void
    : Effect.flatMap(
      Effect.promise(() => checkDirectory(directory)),
      (problem) =>
        problem === undefined ? Effect.void : Effect.fail(
          new TokenStoreError({
            path,
            detail:
              `${problem}: another user could plant credentials there or hold the lock. Fix it with \`chmod 700\` (and chown), or set allowInsecureCodexHome: true`
          })
        )
    )

  const readJson: Effect.Effect<Record<string, unknown> | undefined, TokenStoreError> = Effect.flatMap(
    Effect.tryPromise({ try: () => readCapped(path, maxFileBytes), catch: fail("could not read it") }),
    (text) => {
      if (text === undefined) return Effect.succeed(undefined)
      if (text === "not a file") {
        return Effect.fail(
          new TokenStoreError({ path, detail: "it is not a regular file (a FIFO, a device or a directory)" })
        )
      }
      if (text === "too large") {
        return Effect.fail(
          new TokenStoreError({
            path,
            detail: `it is larger than ${formatMb(maxFileBytes)}, too large to be an auth.json`
          })
        )
      }
      try {
        const json: unknown = JSON.parse(text)
        return isRecord(json)
          ? Effect.succeed(json)
          : Effect.fail(new TokenStoreError({ path, detail: "it is not a JSON object" }))
      } catch {
        return Effect.fail(new TokenStoreError({ path, detail: "it is not valid JSON" }))
      }
    }
  )

  const writeJson = (json: Record<string, unknown>) =>
    Effect.tryPromise({
      try: async () => {
        await NodeFs.mkdir(directory, { recursive: true, mode: 0o700 })
        const temp = NodePath.join(
          directory,
          `.auth.json.${process.pid}.${NodeCrypto.randomBytes(6).toString("hex")}.tmp`
        )
        const handle = await NodeFs.open(temp, "wx", 0o600)
        try {
          await handle.writeFile(JSON.stringify(json, null, 2))
          await handle.sync()
        } finally {
          await handle.close()
        }
        await NodeFs.rename(temp, path).catch(async (cause) => {
          await NodeFs.rm(temp, { force: true })
          throw cause
        })
      },
      catch: fail("could not write it")
    })

  return {
    location: path,
    load: Effect.zipRight(checkHome, Effect.map(readJson, (json) => (json === undefined ? undefined : tokensOf(json)))),
    modify: (f) =>
      Effect.scoped(
        Effect.gen(function*() {
          yield* checkHome
          yield* Effect.tryPromise({
            try: () => NodeFs.mkdir(directory, { recursive: true, mode: 0o700 }),
            catch: fail("could not create its directory")
          })
          const lock = yield* acquireLock(lockPath, options)
          yield* Effect.promise(() => removeLeftovers(directory))
          const json = yield* readJson
          const [result, update] = yield* f(json === undefined ? undefined : tokensOf(json))
          if (update !== undefined) {
            if (!(yield* lock.held)) {
              return yield* new TokenStoreError({
                path,
                reason: "lock_lost",
                detail:
                  "the lock was broken by another process while held (was this process suspended?); nothing was written"
              })
            }
            yield* writeJson(merge(json ?? {}, update))
          }
          return result
        })
      ),
    clear: Effect.tryPromise({
      try: () => NodeFs.rm(path, { force: true }),
      catch: fail("could not remove it")
    })
  }
}

/**
 * An in-memory store (for tests, and for apps that keep tokens elsewhere). `modify` is
 * serialised like the file store's.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (initial?: StoredTokens): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const ref = yield* Ref.make<StoredTokens | undefined>(initial)
    const lock = yield* Effect.makeSemaphore(1)
    return {
      location: "memory",
      load: Ref.get(ref),
      modify: (f) =>
        lock.withPermits(1)(
          Effect.flatMap(Ref.get(ref), (current) =>
            Effect.flatMap(
              f(current),
              ([result, update]) =>
                update === undefined ? Effect.succeed(result) : Effect.as(Ref.set(ref, apply(current, update)), result)
            ))
        ),
      clear: Ref.set(ref, undefined)
    }
  })

const apply = (current: StoredTokens | undefined, update: TokenUpdate): StoredTokens => {
  const pick = <K extends "idToken" | "accessToken" | "refreshToken">(key: K) =>
    update[key] ?? current?.[key] ?? Redacted.make("")
  return {
    idToken: pick("idToken"),
    accessToken: pick("accessToken"),
    refreshToken: pick("refreshToken"),
    accountId: update.accountId ?? current?.accountId,
    lastRefresh: update.lastRefresh,
    apiKey: update.apiKey === null ? undefined : update.apiKey ?? current?.apiKey,
    unansweredRefresh: update.unansweredRefresh === true ||
      (update.refreshToken === undefined && current?.unansweredRefresh === true)
  }
}

/**
 * An in-memory store layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (initial?: StoredTokens): Layer.Layer<TokenStore> =>
  Layer.effect(TokenStore, makeMemory(initial))

/**
 * Builds stored tokens from plain strings (for `layerMemory` and tests).
 *
 * @since 0.1.0
 * @category constructors
 */
export const tokens = (options: {
  readonly idToken: string
  readonly accessToken: string
  readonly refreshToken: string
  readonly accountId?: string
  readonly lastRefresh?: Date
}): StoredTokens => {
  return {
    idToken: heldSecret(options.idToken),
    accessToken: heldSecret(options.accessToken),
    refreshToken: heldSecret(options.refreshToken),
    accountId: options.accountId,
    lastRefresh: options.lastRefresh,
    apiKey: undefined
  }
}
