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
 * Base URLs, identity, timeouts, retry and parameter policy.
 *
 * @since 0.1.0
 */
export * as CodexConfig from "./CodexConfig.js"

/**
 * Every typed error.
 *
 * @since 0.1.0
 */
export * as CodexError from "./CodexError.js"

/**
 * Browser and device-code login, logout, token claims.
 *
 * @since 0.1.0
 */
export * as OAuth from "./OAuth.js"

/**
 * `x-codex-*` rate-limit snapshots.
 *
 * @since 0.1.0
 */
export * as RateLimits from "./RateLimits.js"

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
 * Where tokens live: `auth.json` (shared safely with the Codex CLI) or memory.
 *
 * @since 0.1.0
 */
export * as TokenStore from "./TokenStore.js"
