import chalk from 'chalk';
import { maskUserinfo } from './redact.js';
import type { Logger } from './types.js';

/** Environment variables whose values must never reach a log line, error message or bundle. */
export const SECRET_ENV = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_PASSWORD', 'DATABRICKS_TOKEN', 'SOC2_SIGNING_KEY', 'GOOGLE_OAUTH_ACCESS_TOKEN'];

export function secretValues(env: NodeJS.ProcessEnv): string[] {
  return SECRET_ENV.map((k) => env[k]).filter((v): v is string => typeof v === 'string' && v.length >= 6);
}

/**
 * Untrusted text (a key from a config file, a file name inside a bundle, a value from a manifest) made
 * safe for a one-line message: control, line-separator, zero-width and bidi characters become escapes
 * (\n, \u001b), so it can neither break the line nor rewrite the terminal; very long text is cut.
 */
export function printable(text: string, max = 2000): string {
  const out = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return out.length > max ? `${out.slice(0, max)}… (${out.length - max} more characters)` : out;
}

export function redactKnown(text: string, secrets: string[]): string {
  // a URI's userinfo is never printed, whether or not its value is a known secret
  let out = maskUserinfo(text);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

/** Human progress on stderr; quiet when stderr is not a TTY or under CI unless verbose. */
export function createLogger(o: { quiet: boolean; verbose?: boolean; secrets: string[]; write?: (s: string) => void }): Logger {
  const write = o.write ?? ((s: string) => process.stderr.write(s));
  const emit = (prefix: string, msg: string) => write(`${prefix}${redactKnown(msg, o.secrets)}\n`);
  return {
    info: (m) => {
      if (!o.quiet || o.verbose) emit('', m);
    },
    warn: (m) => emit(chalk.yellow('warning: '), m),
    debug: (m) => {
      if (o.verbose) emit(chalk.dim('debug: '), m);
    },
  };
}
