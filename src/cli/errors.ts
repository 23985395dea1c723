// Exit codes every command keeps, and the error that means "bad input".
export const EXIT = { holds: 0, violated: 1, usage: 2, incomplete: 3, modelError: 4 } as const;

/** Bad input from the user: printed as one line, exit code 2. */
export class UsageError extends Error {}
