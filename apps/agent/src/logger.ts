import { type LevelWithSilent, type Logger, pino } from 'pino';

/** Paths pino blanks out, should a token ever reach a log call by mistake. */
export const redactedPaths = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

/** The agent's structured logger: JSON lines on stdout. */
export const createAgentLogger = ({ level = 'info' }: { level?: LevelWithSilent } = {}): Logger =>
  pino({ name: 'kudo-agent', level, redact: { paths: redactedPaths, censor: '[redacted]' } });
