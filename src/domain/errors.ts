/**
 * Every failure that crosses an edge (REST, MCP, CLI) is one of these classes, with a stable
 * `code`. The edges map codes to an HTTP status, an MCP `isError` result with a recovery hint,
 * or a CLI exit code; nothing else ever reaches a client.
 */

export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'VALIDATION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'VERSION_CONFLICT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'STORE_UNAVAILABLE'
  | 'READ_ONLY'
  | 'SCHEMA_TOO_NEW'
  | 'MIGRATION_GUARD'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL';

export interface Issue {
  path: string;
  message: string;
}

export class ContentKvError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  /** `cause`: the underlying failure, for logs; it never reaches a client. */
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export class NotFoundError extends ContentKvError {
  /** `hint` follows the message (what does exist, say); `details` join the id's. */
  constructor(what: string, id: string, hint?: string, details: Record<string, unknown> = {}) {
    super('NOT_FOUND', `${what} "${id}" does not exist${hint ? `; ${hint}` : ''}`, { id, ...details });
  }
}

/** A method a route does not take, on a path that exists: `allowed` is what it does take. */
export class MethodNotAllowedError extends ContentKvError {
  constructor(method: string, path: string, allowed: readonly string[]) {
    super('METHOD_NOT_ALLOWED', `${path} does not take ${method}; it takes ${allowed.join(', ')}`, { allowed: [...allowed] });
  }
}

export class AlreadyExistsError extends ContentKvError {
  constructor(what: string, id: string) {
    super('ALREADY_EXISTS', `${what} "${id}" already exists; update it instead, or pick another id`, { id });
  }
}

export class ValidationError extends ContentKvError {
  readonly issues: Issue[];

  /** `details`: more for the client beside the issues. */
  constructor(message: string, issues: Issue[] = [], details?: Record<string, unknown>) {
    super('VALIDATION_FAILED', message, issues.length > 0 || details ? { ...(issues.length > 0 && { issues }), ...details } : undefined);
    this.issues = issues;
  }
}

/**
 * An idempotency key sent with a write to one document was used before for a write to another
 * (another id, or another collection). Answering it as a retry of that write would tell the
 * client a write succeeded that was never made, so nothing is written and the client is told.
 * A request error, not a conflict: sending it again can never succeed, only a fresh key can.
 */
export class IdempotencyKeyReusedError extends ValidationError {
  /** The collection and id the key was first used for. */
  readonly usedFor: { collection: string; id: string };

  constructor(usedFor: { collection: string; id: string }) {
    const target = `${usedFor.collection}/${usedFor.id}`;
    super(
      `this idempotency key was already used for a write to ${target}, and nothing was written now; use a fresh key for each write`,
      [{ path: 'idempotencyKey', message: `already used for ${target}` }],
      { usedFor: target },
    );
    this.usedFor = usedFor;
  }
}

export class PayloadTooLargeError extends ContentKvError {
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', `the body is larger than the ${limitBytes}-byte limit`, { limitBytes });
  }
}

export class VersionConflictError extends ContentKvError {
  readonly currentVersion: number;

  constructor(id: string, expectedVersion: number, currentVersion: number) {
    super(
      'VERSION_CONFLICT',
      `"${id}" is at version ${currentVersion}, not ${expectedVersion}: someone else changed it. ` +
        `Read it again, re-apply your change and retry with expectedVersion ${currentVersion}`,
      { id, expectedVersion, currentVersion },
    );
    this.currentVersion = currentVersion;
  }
}

export class UnauthorizedError extends ContentKvError {
  constructor(message = 'a valid bearer token is required') {
    super('UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends ContentKvError {
  constructor(message = 'this token may only read') {
    super('FORBIDDEN', message);
  }
}

export class StoreUnavailableError extends ContentKvError {
  readonly retryAfterSeconds: number;
  /** A write failed this way may have been applied (a timeout); false means it surely was not. */
  readonly maybeApplied: boolean;

  /** `reason` is shown to clients, so it is ours, never a driver's text; that goes in `cause`. */
  constructor(store: string, retryAfterSeconds = 5, reason?: string, maybeApplied = false, cause?: unknown) {
    super(
      'STORE_UNAVAILABLE',
      `the ${store} store is unavailable${reason ? ` (${reason})` : ''}; retry in ${retryAfterSeconds} s`,
      { store, retryAfterSeconds, maybeApplied },
      cause,
    );
    this.retryAfterSeconds = retryAfterSeconds;
    this.maybeApplied = maybeApplied;
  }
}

/**
 * A write planned under one migration stage reached its commit after the stage (or its fence)
 * changed. Nothing was written; the stage router plans the write again under the new stage.
 */
export class StageChangedError extends StoreUnavailableError {
  constructor() {
    super('migration', 1, 'the migration stage changed while the write was under way, and nothing was written');
  }
}

export class ReadOnlyError extends ContentKvError {
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, retryAfterSeconds?: number) {
    super('READ_ONLY', message, retryAfterSeconds === undefined ? undefined : { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class SchemaTooNewError extends ContentKvError {
  constructor(found: number, known: number) {
    super(
      'SCHEMA_TOO_NEW',
      `the store holds schema version ${found}, but this contentkv knows only up to ${known}; ` +
        `upgrade contentkv before writing`,
      { found, known },
    );
  }
}

export class MigrationGuardError extends ContentKvError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('MIGRATION_GUARD', message, details);
  }
}
