/**
 * codex-backend-sdk: an Effect-TS SDK for the ChatGPT Codex backend API.
 *
 * The built-in backend emulator is not re-exported here (it starts an HTTP server and
 * pulls the server side of `@effect/platform` in): import it from
 * `codex-backend-sdk/CodexEmulator`.
 *
 * @since 0.1.0
 */

/**
 * `POST {api}/audio/transcriptions`: speech to text.
 *
 * @since 0.1.0
 */
export * as Audio from "./Audio.js"

/**
 * Usage, cloud tasks, environments, memories, custom instructions (the Python SDK's `client.codex`).
 *
 * @since 0.1.0
 */
export * as CodexAccount from "./CodexAccount.js"

/**
 * Resilient batch jobs: concurrency, usage-limit pauses, item retries, resumable JSONL.
 *
 * @since 0.1.0
 */
export * as Batch from "./Batch.js"

/**
 * Credentials and their recovery after a 401.
 *
 * @since 0.1.0
 */
export * as CodexAuth from "./CodexAuth.js"

/**
 * Every endpoint group in one service, and the live layer.
 *
 * @since 0.1.0
 */
export * as CodexClient from "./CodexClient.js"

/**
 * Stateful conversations over the stateless backend: history, automatic compaction, persistence.
 *
 * @since 0.1.0
 */
export * as Conversation from "./Conversation.js"

/**
 * Base URLs, identity, timeouts, retry and parameter policy.
 *
 * @since 0.1.0
 */
export * as CodexConfig from "./CodexConfig.js"

/**
 * The HTTP transport every backend call goes through: `layerUndici` (the default, undici's
 * `Dispatcher.dispatch`, proxies from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`) or
 * `layerHttpClient` (any `@effect/platform` `HttpClient`).
 *
 * @since 0.1.0
 */
export * as CodexTransport from "./CodexTransport.js"

/**
 * Every typed error.
 *
 * @since 0.1.0
 */
export * as CodexError from "./CodexError.js"

/**
 * `POST {api}/embeddings`.
 *
 * @since 0.1.0
 */
export * as Embeddings from "./Embeddings.js"

/**
 * `GET /models`: the model catalog, cached.
 *
 * @since 0.1.0
 */
export * as Models from "./Models.js"

/**
 * Browser and device-code login, logout, token claims.
 *
 * @since 0.1.0
 */
export * as OAuth from "./OAuth.js"

/**
 * The Promise client in openai-node's shape (`new OpenAI()`, `client.responses.create(...)`),
 * for code that does not use Effect. Importing it runs nothing; its runtime is built by
 * the first call. Also at `codex-backend-sdk/OpenAI`, whose default export is the class.
 *
 * @since 0.1.0
 */
export * as OpenAI from "./OpenAI.js"

/**
 * The Promise client's class, at the top level: `new CodexOpenAI()`.
 *
 * @since 0.1.0
 */
export { CodexOpenAI } from "./OpenAI.js"

/**
 * `x-codex-*` rate-limit snapshots.
 *
 * @since 0.1.0
 */
export * as RateLimits from "./RateLimits.js"

/**
 * Realtime call creation and WebSocket helpers.
 *
 * @since 0.1.0
 */
export * as Realtime from "./Realtime.js"

/**
 * The collected Response and its items.
 *
 * @since 0.1.0
 */
export * as Response from "./Response.js"

/**
 * The fold from events to a Response.
 *
 * @since 0.1.0
 */
export * as ResponseCollector from "./ResponseCollector.js"

/**
 * `/responses` and `/responses/compact`.
 *
 * @since 0.1.0
 */
export * as Responses from "./Responses.js"

/**
 * The events of a `/responses` stream.
 *
 * @since 0.1.0
 */
export * as ResponseStreamEvent from "./ResponseStreamEvent.js"

/**
 * Structured output from an `effect/Schema`: the strict JSON Schema and the decoding of the reply.
 *
 * @since 0.1.0
 */
export * as StructuredOutput from "./StructuredOutput.js"

/**
 * Function tools with `Schema` parameters and Effect handlers, and the loop that runs them.
 *
 * @since 0.1.0
 */
export * as Tools from "./Tools.js"

/**
 * Where tokens live: `auth.json` (shared safely with the Codex CLI) or memory.
 *
 * @since 0.1.0
 */
export * as TokenStore from "./TokenStore.js"
