import chalk from 'chalk';
import type { Logger } from './types.js';

/** Environment variables whose values must never reach a log line, error message or bundle. */
export const SECRET_ENV = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_PASSWORD', 'DATABRICKS_TOKEN', 'SOC2_SIGNING_KEY', 'GOOGLE_OAUTH_ACCESS_TOKEN'];

export function secretValues(env: NodeJS.ProcessEnv): string[] {
  return SECRET_ENV.map((k) => env[k]).filter((v): v is string => typeof v === 'string' && v.length >= 6);
}

export function redactKnown(text: string, secrets: string[]): string {
  let out = text;
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
