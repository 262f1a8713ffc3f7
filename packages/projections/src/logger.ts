/** The logging surface the projector uses; a pino logger fits it. */
export interface ProjectorLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

/** Logs nothing. */
export const silentLogger: ProjectorLogger = { info() {}, warn() {}, error() {} };
