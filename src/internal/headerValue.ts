/**
 * Checking a string before it is sent as a header value.
 *
 * @internal
 */

const unsafeHeaderValue = /[^\t\x20-\x7e\x80-\xff]/

/**
 * Whether a string can travel as a header value: no CR, LF, NUL or other control
 * character, nothing outside Latin-1 (undici would refuse it, or worse, split the header).
 *
 * @internal
 */
export const isHeaderSafe = (value: string): boolean => !unsafeHeaderValue.test(value)
