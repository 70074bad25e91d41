import { type Logger, pino } from 'pino';

/** The control plane's logger (JSON lines on stdout). */
export const createLogger = ({ level }: { level: string }): Logger => pino({ name: 'kudo-web', level });
