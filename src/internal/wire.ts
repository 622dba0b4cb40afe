/**
 * Wire constants and URL joining, with no service behind them: the token endpoint
 * (`tokenEndpoint.ts`) and the backend calls (`http.ts`) share them without importing each
 * other (which would close an import cycle through `CodexAuth`).
 *
 * @internal
 */

/**
 * Joins a base and a path with exactly one `/` (§1).
 *
 * @internal
 */
export const joinUrl = (base: string, path: string): string => `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`

/** How much of an error body (or any reply read only for a message) is read: 64 KB. @internal */
export const maxErrorBodyBytes = 64 * 1024

/** The start of a reply body, and whether there was more. @internal */
export interface CappedText {
  readonly text: string
  /** The body was longer than the cap; the rest was not read (the request is aborted). */
  readonly truncated: boolean
}
