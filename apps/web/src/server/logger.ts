import { type Logger, pino } from 'pino';

/** The password of a URL's user info (`scheme://user:password@host`), wherever a URL appears in a text. */
const urlPassword = /([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]*@/gi;
/** A `password=` parameter of a connection string (`?password=...` or `password=...` in a DSN). */
const passwordParameter = /(\bpassword=)[^&\s]*/gi;

/** `text` with every URL password and `password=` value replaced by `***` (database URLs in log lines). */
export const redactSecrets = (text: string) =>
  text.replace(urlPassword, '$1***@').replace(passwordParameter, '$1***');

/**
 * The control plane's logger (JSON lines on stdout). Every line passes through redactSecrets: a database
 * URL (or an error quoting one) never shows its password.
 */
export const createLogger = ({
  level,
  destination = pino.destination(1),
}: {
  level: string;
  destination?: pino.DestinationStream;
}): Logger =>
  pino({ name: 'kudo-web', level }, { write: (line: string) => destination.write(redactSecrets(line)) });
