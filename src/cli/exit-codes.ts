/** The exit codes every `contentkv` command uses, as the README lists them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, paused: 3 } as const;
