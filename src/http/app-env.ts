/** The per-request values the middleware sets for the routes, typed once for the whole app. */
import type { Logger } from 'pino';

/** What a request's credential allows: `write` (CONTENTKV_TOKEN), `read` (CONTENTKV_READ_TOKEN) or nothing. */
export type Role = 'write' | 'read' | 'anonymous';

export interface AppEnv {
  Variables: {
    requestId: string;
    role: Role;
    logger: Logger;
    /** Proxy hops trusted for the client's address (CONTENTKV_TRUST_PROXY). */
    trustProxy: number;
  };
}
