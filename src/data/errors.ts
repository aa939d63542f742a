/**
 * Errors raised by the data layer.
 *
 * Two kinds of failure are told apart because callers handle them differently: a file that cannot be
 * read as the format it claims to be (the user must fix or re-download the file), and a sample
 * selection that names the wrong samples (a deletion request to reject, with the offending ids).
 *
 * @module
 */

/**
 * A data file is missing, unreadable, corrupt, truncated or structurally invalid.
 *
 * The message is one line that names the file, the byte offset where one applies, and what is wrong,
 * so that a CLI can print it as is.
 */
export class DataFormatError extends Error {
  /** Path of the offending file (or folder, for a folder-level problem). */
  readonly file: string;
  /** Byte offset of the problem inside the file (inside the decompressed stream for gzip files). */
  readonly offset?: number;

  /**
   * @param file - path of the offending file
   * @param problem - what is wrong, without the file name (it is prepended)
   * @param offset - byte offset of the problem, when one applies
   * @param options - standard error options; `cause` keeps the underlying error (zlib, decoder, fs)
   */
  constructor(file: string, problem: string, offset?: number, options?: ErrorOptions) {
    super(`${file}: ${problem}${offset === undefined ? '' : ` (offset ${offset})`}`, options);
    this.name = 'DataFormatError';
    this.file = file;
    if (offset !== undefined) this.offset = offset;
  }
}

/**
 * A dataset's folder or one of its files does not exist. The message says where it was looked for
 * and how to get it (a package to install, an archive to extract, a flag to pass).
 */
export class DataNotFoundError extends DataFormatError {
  /**
   * @param path - the missing folder or file
   * @param problem - what is missing and how to get it
   */
  constructor(path: string, problem: string) {
    super(path, problem);
    this.name = 'DataNotFoundError';
  }
}

/** Why a sample selection (a forget set, a subset by ids) was rejected. */
export type SelectionProblem = 'unknown-ids' | 'not-members' | 'duplicates' | 'empty' | 'too-large' | 'bad-parameter';

/**
 * A selection of samples (for example the forget set of a deletion request) is invalid.
 *
 * `ids` holds every offending id (the message lists at most 20 of them), so a service can report them
 * back to the requester.
 */
export class SelectionError extends Error {
  /** The kind of problem, stable for programmatic handling. */
  readonly problem: SelectionProblem;
  /** All offending ids; empty when the problem is not about particular ids. */
  readonly ids: readonly string[];

  /**
   * @param problem - the kind of problem
   * @param message - the full one-line message
   * @param ids - the offending ids, if any
   */
  constructor(problem: SelectionProblem, message: string, ids: readonly string[] = []) {
    super(message);
    this.name = 'SelectionError';
    this.problem = problem;
    this.ids = ids;
  }
}

/**
 * Formats a list of ids for a one-line message: at most `limit` of them, then "and N more".
 *
 * @param ids - the ids to list
 * @param limit - how many to show before summarising the rest
 * @returns e.g. `a, b, c and 17 more`
 */
export function listIds(ids: readonly string[], limit = 20): string {
  const shown = ids.slice(0, limit).join(', ');
  return ids.length > limit ? `${shown} and ${ids.length - limit} more` : shown;
}
