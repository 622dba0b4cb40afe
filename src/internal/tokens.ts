/**
 * The rough token count of JSON data: about four characters a token, as the Codex CLI
 * estimates before it has a usage report. The conversation's auto-compaction and the
 * emulator's usage both use it.
 *
 * @internal
 */
export const estimateTokens = (value: unknown): number => {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? ""
  return Math.ceil(text.length / 4)
}
