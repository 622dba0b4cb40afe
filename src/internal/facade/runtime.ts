/**
 * The engine of the Promise client: one `ManagedRuntime` of the client's stack, built by
 * the first call, and the plumbing that runs a group's Effect service as a Promise
 * (per-request `signal`, `timeout` and `maxRetries`; a failure rejects with the typed
 * error itself).
 *
 * @since 0.1.0
 */
import type { Fiber, Layer } from "effect"
import { Cause, Context, Duration, Effect, Exit, ManagedRuntime, Option, Runtime, Stream } from "effect"
import * as CodexConfig from "../../CodexConfig.js"
import type * as CodexError from "../../CodexError.js"
import * as Errors from "./errors.js"
import { APIUserAbortError } from "./errors.js"
import * as Options from "./options.js"
import type { RequestOptions } from "./options.js"

/**
 * What a rejected call rejects with: the typed failure itself (with openai-node's
 * `APIError` fields), never a wrapper; an interruption is {@link APIUserAbortError}.
 *
 * @since 0.1.0
 */
export const toRejection = (cause: Cause.Cause<unknown>): unknown => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    return error instanceof Error ? Errors.withApiFields(error) : new Error(String(error), { cause: error })
  }
  if (Cause.isInterruptedOnly(cause)) return new APIUserAbortError()
  const defect = Cause.squash(cause)
  return defect instanceof Error ? defect : new Error(String(defect), { cause: defect })
}

/**
 * The value of a successful exit; throws a failed one's rejection ({@link toRejection}).
 *
 * @since 0.1.0
 */
export const settle = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw toRejection(exit.cause)
}

/**
 * The exit of a fiber, as a promise that never rejects.
 *
 * @since 0.1.0
 */
export const awaitFiber = <A, E>(fiber: Fiber.RuntimeFiber<A, E>): Promise<Exit.Exit<A, E>> =>
  new Promise((resolve) => fiber.addObserver(resolve))

// ---------------------------------------------------------------------------------------
// The engine: one runtime, built on first use
// ---------------------------------------------------------------------------------------

/**
 * The runtime of one client (a `ManagedRuntime` of its layer), built on first use: every
 * call of the client's groups runs on it, and `close()` disposes it.
 *
 * @since 0.1.0
 */
export class Engine {
  private managed: ManagedRuntime.ManagedRuntime<never, unknown> | undefined = undefined
  private building: Promise<Runtime.Runtime<never>> | undefined = undefined
  /** The built runtime: calls run on it synchronously once it exists. */
  ready: Runtime.Runtime<never> | undefined = undefined
  private closed = false

  constructor(private readonly layer: () => Layer.Layer<never, unknown>) {}

  runtime(): Promise<Runtime.Runtime<never>> {
    if (this.closed) return Promise.reject(new Error("This client was closed."))
    if (this.ready !== undefined) return Promise.resolve(this.ready)
    if (this.building === undefined) {
      const managed = ManagedRuntime.make(this.layer())
      this.managed = managed
      this.building = Effect.runPromiseExit(managed.runtimeEffect).then((exit) => {
        const runtime = settle(exit)
        this.ready = runtime
        return runtime
      })
    }
    return this.building
  }

  /** The built runtime, or the promise of it. */
  current(): Runtime.Runtime<never> | Promise<Runtime.Runtime<never>> {
    return this.ready ?? this.runtime()
  }

  /** Runs one call of a group's service. */
  run<I, S, A, E>(
    tag: Context.Tag<I, S>,
    use: (service: S) => Effect.Effect<A, E>,
    options: RequestOptions | undefined
  ): Promise<A> {
    const signal = options?.signal
    if (signal?.aborted === true) return Promise.reject(new APIUserAbortError())
    const policy = callPolicy(options)
    const call = (service: S) =>
      Effect.zipRight(
        Options.checkRequest(options),
        policy === undefined ? use(service) : withPolicy(use(service), policy)
      )
    const runtime = this.current()
    if (!(runtime instanceof Promise)) return runOn(runtime, tag, call, signal)
    return runtime.then((rt) => runOn(rt, tag, call, signal))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.ready = undefined
    if (this.managed !== undefined) await this.managed.dispose()
  }
}

/** openai-node's `timeout` / `maxRetries` as a call policy (`undefined`: the configured one). */
const callPolicy = (options: RequestOptions | undefined): CodexConfig.CallPolicy | undefined => {
  const timeout = options?.timeout
  const maxRetries = options?.maxRetries
  if (timeout === undefined && maxRetries === undefined) return undefined
  return {
    ...(timeout === undefined ? {} : { requestTimeout: Duration.millis(timeout) }),
    // openai-node's maxRetries bounds every resend: a collected call's redo after a cut stream too.
    ...(maxRetries === undefined ? {} : { maxRetries, maxStreamRetries: maxRetries })
  }
}

const withPolicy = <A, E>(effect: Effect.Effect<A, E>, policy: CodexConfig.CallPolicy) =>
  Effect.flatMap(Effect.serviceOption(CodexConfig.CodexConfig), (config) =>
    CodexConfig.withCallPolicy(effect, {
      ...policy,
      ...(policy.maxStreamRetries === undefined || Option.isNone(config)
        ? {}
        : { maxStreamRetries: Math.min(policy.maxStreamRetries, config.value.maxStreamRetries) })
    }))

/**
 * A stream whose requests follow the call's `timeout` / `maxRetries` (set for the fiber
 * that runs it, for its lifetime), after its options are checked.
 *
 * @since 0.1.0
 */
export const streamWithPolicy = <A, E>(
  stream: Stream.Stream<A, E>,
  options: RequestOptions | undefined
): Stream.Stream<A, E | CodexError.InvalidParameter> => {
  const policy = callPolicy(options)
  return Stream.unwrapScoped(Effect.zipRight(
    Options.checkRequest(options),
    policy === undefined ?
      Effect.succeed(stream) :
      Effect.flatMap(
        CodexConfig.checkCallPolicy(policy),
        (checked) => Effect.as(Effect.locallyScoped(CodexConfig.currentCallPolicy, checked), stream)
      )
  ))
}

/**
 * A group's service from a built runtime; throws an `Error` naming it when the client's
 * layer does not provide it.
 *
 * @since 0.1.0
 */
export const serviceOf = <I, S>(runtime: Runtime.Runtime<never>, tag: Context.Tag<I, S>): S => {
  const service = Context.getOption(runtime.context, tag)
  if (Option.isNone(service)) throw new Error(`This client's layer does not provide ${tag.key}.`)
  return service.value
}

const runOn = <I, S, A, E>(
  runtime: Runtime.Runtime<never>,
  tag: Context.Tag<I, S>,
  use: (service: S) => Effect.Effect<A, E>,
  signal: AbortSignal | undefined
): Promise<A> => {
  let effect: Effect.Effect<A, E>
  try {
    effect = use(serviceOf(runtime, tag))
  } catch (error) {
    return Promise.reject(error)
  }
  return Runtime.runPromiseExit(runtime)(effect, signal === undefined ? undefined : { signal }).then(settle)
}
