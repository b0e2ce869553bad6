/** An error meant for the user: its message names what is wrong and where; no stack trace is printed. */
export class AvakitError extends Error {
  override readonly name: string = "AvakitError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad command-line usage (unknown flag, missing argument). */
export class UsageError extends AvakitError {
  override readonly name = "UsageError";
}

/** Turns any thrown value into a one-line message. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
