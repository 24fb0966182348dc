// The store's typed errors: what callers above the store (the loop, the HTTP layer, the CLI) may tell apart
// without knowing SQLite. Their messages are one line, safe to show: no credentials, no SQL.

/** The store cannot be used at start-up (in use, damaged, not writable, unsupported URL). */
export class StoreOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

/**
 * A write was refused because the disk (or the quota) is full: nothing of it was committed. Answered 507
 * InsufficientStorage (RFC 4918 §11.5: "unable to store the representation needed to complete the request").
 */
export class StoreFullError extends Error {
  readonly code = 'InsufficientStorage';
  readonly status = 507;
  constructor(override readonly cause?: unknown) {
    super('The server cannot store the request: its disk is full. Nothing was written; retry once space is freed.');
    this.name = 'StoreFullError';
  }
}

/**
 * The store cannot be reached right now (a database server down or restarting, a connection cut): nothing of the
 * call was committed. Answered 503 ServiceUnavailable; the store reconnects by itself and the call may be retried.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'ServiceUnavailable';
  readonly status = 503;
  constructor(override readonly cause?: unknown) {
    super('The server cannot reach its store right now. Nothing was written; retry shortly.');
    this.name = 'StoreUnavailableError';
  }
}

/** A fenced write (saveModel with a lease) by a process that no longer holds that lease: nothing was written. */
export class LeaseLostError extends Error {
  constructor(
    readonly lease: string,
    readonly epoch: number,
  ) {
    super(`the ${lease} lease (epoch ${epoch}) is no longer held by this process: another process took it over`);
    this.name = 'LeaseLostError';
  }
}

/** putSettings was given a revision that is no longer the stored one: someone else changed the settings. */
export class StaleSettingsError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`settings changed meanwhile (revision ${actual}, expected ${expected}): reload them and retry`);
    this.name = 'StaleSettingsError';
  }
}
