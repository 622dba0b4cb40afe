/**
 * How the `codex-backend` command reports a failure: one line, never a stack trace.
 *
 * @since 0.1.0
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import { Cause, Data } from "effect"

/**
 * The command was run without a subcommand.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingCommand extends Data.TaggedError("MissingCommand") {
  override get message() {
    return "a command is needed; see `codex-backend --help`"
  }
}

/**
 * Removes ANSI colour codes.
 *
 * @since 0.1.0
 * @category formatting
 */
export const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "")
/**
 * Plain text on one line: ANSI codes removed, every run of whitespace (newlines included)
 * one space.
 *
 * @since 0.1.0
 * @category formatting
 */
export const oneLine = (text: string) => stripAnsi(text).replace(/\s+/g, " ").trim()

const messageOf = (error: unknown): string => {
  try {
    if (ValidationError.isValidationError(error)) return oneLine(HelpDoc.toAnsiText(error.error))
    const message: unknown = typeof error === "object" && error !== null ? Reflect.get(error, "message") : undefined
    return oneLine(typeof message === "string" && message !== "" ? message : String(error))
  } catch {
    return "(an error that cannot be printed)"
  }
}

const nameOf = (defect: unknown): string => {
  const name: unknown = typeof defect === "object" && defect !== null ? Reflect.get(defect, "name") : undefined
  return typeof name === "string" ? name : typeof defect
}

/**
 * The one line a failure prints (without the `codex-backend: ` prefix), and the exit code:
 * 2 for a usage error, 1 for any other failure or a defect, 130 for an interruption.
 *
 * @since 0.1.0
 * @category formatting
 */
export const report = (cause: Cause.Cause<unknown>): readonly [string, number] => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "Some") {
    const error = failure.value
    return [messageOf(error), ValidationError.isValidationError(error) || error instanceof MissingCommand ? 2 : 1]
  }
  const defects = Cause.defects(cause)
  for (const defect of defects) {
    return [`internal error: ${messageOf(defect)} (${nameOf(defect)}); please report this`, 1]
  }
  return ["interrupted", 130]
}
