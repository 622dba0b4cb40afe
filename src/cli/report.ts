/**
 * How the `codex-backend` command reports a failure: one line, never a stack trace.
 *
 * @since 0.1.0
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import { Cause, Data, Effect } from "effect"

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
 * Every terminal control sequence and control character but `\n` and `\t`: CSI (cursor
 * moves, screen clears, colours), OSC (clipboard writes, links, titles), DCS/SOS/PM/APC
 * strings, other escapes, a lone ESC (a sequence split over two chunks is then harmless),
 * C1 controls (their CSI and OSC forms whole), and a carriage return not followed by a newline (it would overwrite a line).
 */
const controls =
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|\u009d[^\u0007\u009c\u001b]*(?:\u0007|\u009c)?|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[PX^_][^\u001b]*(?:\u001b\\)?|\u001b[@-Z\\-_]?|\r(?!\n)|[\u0000-\u0008\u000b\u000c\u000e-\u001a\u001c-\u001f\u007f-\u009f]/g

/**
 * Server text made safe for a terminal: see `controls` above. Model answers, error
 * messages and catalog fields pass through it before the command prints them.
 *
 * @since 0.1.0
 * @category formatting
 */
export const sanitize = (text: string) => text.replace(controls, "")

/**
 * Writes server text (a model's answer, streamed) to stdout, sanitised.
 *
 * @since 0.1.0
 * @category formatting
 */
export const writeOut = (text: string) => Effect.sync(() => void process.stdout.write(sanitize(text)))
/**
 * Plain text on one line: control sequences removed (see {@link sanitize}), every run of
 * whitespace (newlines included) one space.
 *
 * @since 0.1.0
 * @category formatting
 */
export const oneLine = (text: string) => sanitize(text).replace(/\s+/g, " ").trim()

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
