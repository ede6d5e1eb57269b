// The one error type of every reader and writer in src/io: a file (or a label) that is not what its
// format says, always naming the source and, where there is one, the entry (tensor, zip member,
// header field). Each format has its own subclass (NiftiError, NpyError, SafetensorsError, ...), so
// `e instanceof FormatError` catches them all and `e.name` tells which reader refused the input.

export class FormatError extends Error {
  /** The file or label the bytes came from. */
  readonly source: string;
  /** The entry inside it (tensor name, zip member, header field), when the problem is in one. */
  readonly entry?: string;
  constructor(source: string, message: string, entry?: string) {
    super(`${source}: ${entry !== undefined ? `${entry}: ` : ''}${message}`);
    this.name = 'FormatError';
    this.source = source;
    this.entry = entry;
  }
}
