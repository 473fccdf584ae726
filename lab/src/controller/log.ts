// One JSON object per line on stdout, as the services log (pino's field names).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export function jsonLogger(minimum: LogLevel = 'info', write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  return (level, msg, fields = {}) => {
    if (LEVELS[level] < LEVELS[minimum]) return;
    write(`${JSON.stringify({ level: LEVELS[level], time: Date.now(), name: 'lab-controller', msg, ...fields })}\n`);
  };
}

export const silentLogger: Logger = () => undefined;
