/**
 * Byte sizes as error messages name them.
 *
 * @internal
 */

/** A size for messages: `16 MB`, `64 KB`, `1000 bytes`. @internal */
export const formatBytes = (bytes: number): string =>
  bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MB` : bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} bytes`
