/** Errors the CLI turns into one line and an exit code, with no stack trace. */
export class HopbenchError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The user asked for something invalid: exit 2, before anything starts. Always one line, whatever it quotes. */
export class UsageError extends HopbenchError {
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '), 2);
  }
}

/** A service could not be provided or reached: exit 1. */
export class ServiceError extends HopbenchError {
  constructor(message: string) {
    super(message, 1);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(errorMessage).join('; ');
  return error instanceof Error ? error.message : String(error);
}
