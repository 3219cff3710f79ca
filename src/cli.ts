// The command-line program. This is the one place that turns results and errors into exit codes
// (documented in the README): 0 ok, 1 internal error, 2 usage/config, 3 gaps, 4 verify failed,
// 5 findings failed with --fail-on-findings.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from './core/errors.js';
import { redactKnown, secretValues } from './core/log.js';
import { toolVersion } from './core/paths.js';

const DEFAULT_CONFIG = './soc2.config.yaml';
const TRUSTED_KEY_HELP = 'trusted Ed25519 public key (PEM); repeatable; every bundle must be signed by one (default: signing.trustedKeys of the config)';
/** commander: a repeatable option collected into a list */
const collect = (v: string, list: string[]) => [...list, v];

// Commands load lazily so --help and --version stay fast and each command loads only its own clients.
const commands = {
  collect: () => import('./commands/collect.js').then((m) => m.collectCommand),
  verify: () => import('./commands/verify.js').then((m) => m.verifyCommand),
  controls: () => import('./commands/controls.js').then((m) => m.controlsCommand),
  permissions: () => import('./commands/permissions.js').then((m) => m.permissionsCommand),
  init: () => import('./commands/init.js').then((m) => m.initCommand),
  keygen: () => import('./commands/keygen.js').then((m) => m.keygenCommand),
  demo: () => import('./commands/demo.js').then((m) => m.demoCommand),
  report: () => import('./commands/report.js').then((m) => m.reportCommand),
  diff: () => import('./commands/diff.js').then((m) => m.diffCommand),
  evidenceAdd: () => import('./commands/evidence.js').then((m) => m.evidenceAddCommand),
  evidenceDue: () => import('./commands/evidence.js').then((m) => m.evidenceDueCommand),
  reviewStart: () => import('./commands/review.js').then((m) => m.reviewStartCommand),
  reviewSubmit: () => import('./commands/review.js').then((m) => m.reviewSubmitCommand),
};

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('soc2')
    .description('SOC 2 Type II evidence collector for machine-learning companies')
    .version(toolVersion, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const run = (p: Promise<number>) => p.then(setExit);

  program
    .command('collect')
    .description('collect evidence from every configured source into one new bundle')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('-o, --out <dir>', 'evidence directory (default: the config\'s evidence.dir)')
    .option('--only <ids>', 'comma-separated collector ids to run')
    .option('--sign-key <file>', 'Ed25519 private key (PEM) to sign the manifest; or set SOC2_SIGNING_KEY')
    .option('--fail-on-findings', 'exit 5 when any check fails')
    .option('--lock-wait <seconds>', 'wait this long for another collect to release the evidence dir')
    .option('--json', 'print one JSON object on stdout')
    .option('-v, --verbose', 'more progress on stderr')
    .action((o) => run(commands.collect().then((f) => f(o))));

  program
    .command('verify')
    .description('check bundles: hashes, sizes, missing/extra files, signatures and the chain between bundles')
    .argument('[path]', 'a bundle directory, an evidence directory, or s3://bucket/prefix', 'evidence')
    .option('--public-key <file>', TRUSTED_KEY_HELP, collect, [])
    .option('--require-object-lock', 'with s3://: every object must carry Object Lock retention')
    .option('--download', "with s3://: download and hash every object, instead of comparing the SHA-256 checksums S3 stored with the manifests'")
    .option('-c, --config <file>', "config whose signing.trustedKeys (and, with s3://, evidence.s3 region and objectLock mode) apply")
    .option('--json', 'print the result as JSON')
    .action((target, o) => run(commands.verify().then((f) => f(target, o))));

  program
    .command('report')
    .description('turn the bundles of an observation window into an auditor package: index.html, report.md, report.json, populations/*.csv, OSCAL')
    .option('-c, --config <file>', `config file for organization, scope, observationPeriod and evidence.dir (default ${DEFAULT_CONFIG}; optional with --evidence)`)
    .option('-e, --evidence <dir>', "evidence directory (default: the config's evidence.dir)")
    .option('--from <date>', "first day of the window, YYYY-MM-DD (default: the config's observationPeriod, else the first bundle)")
    .option('--to <date>', 'last day of the window, YYYY-MM-DD (default: observationPeriod, else the last bundle)')
    .option('-o, --out <dir>', 'output directory', 'report')
    .option('--format <list>', 'comma-separated outputs: html,md,csv,json,oscal', 'html,md,csv,json,oscal')
    .option('--seed <seed>', 'draw reproducible samples (sizes by control frequency) with this seed; needs --sampled-by')
    .option('--sampled-by <name>', 'who chose the seed (recorded in the report with the time)')
    .option('--sample <n>', 'with --seed: one sample size for every event population instead of the frequency rule')
    .option('--public-key <file>', TRUSTED_KEY_HELP, collect, [])
    .option('--require-object-lock', 'with s3:// evidence: fail unless every object carries S3 Object Lock retention')
    .option('--download', "with s3:// evidence: download and hash every object, instead of only the files the report reads (the others checked by the SHA-256 checksums S3 stored)")
    .option('--allow-unverified', 'write the report even when verification fails or no trusted key is given for signed evidence, stamped as unverified on every output')
    .option('--no-cache', 'hash every file of every bundle, even those the verified-bundle cache holds as unchanged since verified (the cache is refreshed)')
    .option('--responses <file>', "management responses to exceptions (YAML; default: the config's report.responses)")
    .option('--json', 'print {out, bundles, window, integrity, criteria} as JSON (and, from s3:// evidence, s3: objects downloaded, checked by checksum, bytes, requests)')
    .action((o) => run(commands.report().then((f) => f(o))));

  program
    .command('diff')
    .description('what changed between two bundles: principals, admin/ML privileges, secrets, model versions and aliases, findings')
    .argument('<a>', 'the earlier bundle directory')
    .argument('<b>', 'the later bundle directory')
    .option('--public-key <file>', TRUSTED_KEY_HELP, collect, [])
    .option('-c, --config <file>', 'config whose signing.trustedKeys apply')
    .option('--json', 'print the differences as JSON')
    .action((a, b, o) => run(commands.diff().then((f) => f(a, b, o))));

  program
    .command('controls')
    .description('the criteria catalog, what evidence is mapped to each criterion and what needs manual evidence')
    .option('-c, --config <file>', 'config file (for scope and your own mappings)', DEFAULT_CONFIG)
    .option('--all', 'include criteria of categories not in scope')
    .option('--json', 'print as JSON')
    .action((o) => run(commands.controls().then((f) => f(o))));

  program
    .command('permissions')
    .description('print the least-privilege permissions for the configured collectors')
    .option('-c, --config <file>', 'config file (for the selected collectors)', DEFAULT_CONFIG)
    .option('--format <format>', 'json or markdown', 'json')
    .action((o) => run(commands.permissions().then((f) => f(o))));

  program
    .command('init')
    .description('write a commented soc2.config.yaml from what the environment says (no API calls); --ci adds a daily workflow')
    .option('-c, --config <file>', 'config file to write', DEFAULT_CONFIG)
    .option('--ci <provider>', 'also write a scheduled workflow: github or gitlab')
    .option('--organization <name>', 'organization name for reports')
    .option('--force', 'overwrite existing files')
    .action((o) => run(commands.init().then((f) => f(o))));

  program
    .command('demo')
    .description('play an observation period of a demo ML company on the built-in sandbox servers, then verify and report')
    .option('--days <n>', 'days to play (10–400)', '30')
    .option('-o, --out <dir>', 'where the evidence and the report go', 'demo-out')
    .option('--start <date>', 'first day of the period (YYYY-MM-DD)')
    .action((o) => run(commands.demo().then((f) => f(o))));

  const evidence = program.command('evidence').description('manual evidence (what no API shows): add files with the period they cover, list what is missing or due');
  evidence
    .command('add')
    .description('add files as manual evidence of a control for the period they cover; the next collect takes them into its bundle (or --now: a bundle of their own)')
    .argument('<file...>', 'the evidence files (copied unmodified)')
    .option('--control <id>', 'the control (e.g. IAM-07) or its manual test (e.g. access-review)')
    .option('--test <id>', 'the manual test, when the control has several')
    .option('--covers <period>', 'the period the evidence covers: FROM..TO or one date (YYYY-MM-DD)')
    .option('--title <text>', 'a title (default: the file name)')
    .option('--by <name>', 'who adds it (default: the current user)')
    .option('--note <text>', 'a note for the auditor')
    .option('--now', 'write a signed, chained bundle of its own now instead of waiting for the next collect')
    .option('-c, --config <file>', 'config file (evidence dir, register, signing key)', DEFAULT_CONFIG)
    .option('-e, --evidence <dir>', "evidence directory (default: the config's evidence.dir)")
    .option('--sign-key <file>', 'with --now: Ed25519 private key (PEM); or set SOC2_SIGNING_KEY')
    .option('--json', 'print what was recorded as JSON')
    .action((files, o) => run(commands.evidenceAdd().then((f) => f(files, o))));
  evidence
    .command('due')
    .description("what the register's manual tests still need: elapsed periods without evidence, and periods ending within N days")
    .option('--within <days>', 'look this many days ahead', '30')
    .option('--fail-on-due', 'exit 5 when anything is missing or due')
    .option('--from <date>', "first day of the window (default: the config's observationPeriod, else 1 January)")
    .option('--to <date>', "last day of the window (default: observationPeriod, else today)")
    .option('-c, --config <file>', 'config file (evidence dir, register)', DEFAULT_CONFIG)
    .option('-e, --evidence <dir>', "evidence directory (default: the config's evidence.dir)")
    .option('--json', 'print the list as JSON')
    .action((o) => run(commands.evidenceDue().then((f) => f(o))));

  const review = program.command('review').description('access reviews: a worksheet of who has access from the newest verified bundle, then the decisions recorded as evidence and verified by later bundles');
  review
    .command('start')
    .description('write a review worksheet (CSV to fill in, HTML to read) of every principal of the newest verified bundle, grouped by owner')
    .option('--control <id>', 'the control or its manual test (e.g. IAM-07 or access-review)')
    .option('--test <id>', 'the manual test, when the control has several')
    .option('--systems <list>', 'comma-separated: aws,sagemaker,mlflow,vertex', 'aws,sagemaker,mlflow,vertex')
    .option('-o, --out <dir>', 'where the worksheet goes (default ./access-review-<bundle date>)')
    .option('-c, --config <file>', 'config file (evidence dir, register, review settings)', DEFAULT_CONFIG)
    .option('-e, --evidence <dir>', "evidence directory (default: the config's evidence.dir)")
    .option('--public-key <file>', TRUSTED_KEY_HELP, collect, [])
    .option('--json', 'print what was written as JSON')
    .action((o) => run(commands.reviewStart().then((f) => f(o))));
  review
    .command('submit')
    .description('check a filled-in worksheet against its bundle and record it as manual evidence of the access-review test')
    .argument('<file>', 'the worksheet CSV')
    .option('--reviewer <name>', 'who reviewed the access (required)')
    .option('--covers <period>', "the period it covers (default: the test's period holding the bundle's day)")
    .option('--now', 'write a signed, chained bundle of its own now instead of waiting for the next collect')
    .option('--sign-key <file>', 'with --now: Ed25519 private key (PEM); or set SOC2_SIGNING_KEY')
    .option('-c, --config <file>', 'config file (evidence dir, register, review settings)', DEFAULT_CONFIG)
    .option('-e, --evidence <dir>', "evidence directory (default: the config's evidence.dir)")
    .option('--public-key <file>', TRUSTED_KEY_HELP, collect, [])
    .option('--json', 'print what was recorded as JSON')
    .action((file, o) => run(commands.reviewSubmit().then((f) => f(file, o))));

  program
    .command('keygen')
    .description('make an Ed25519 key pair for signing manifests')
    .addOption(new Option('--private <file>', 'private key output').default('soc2-signing-key.pem'))
    .addOption(new Option('--public <file>', 'public key output').default('soc2-signing-key.pub.pem'))
    .option('--force', 'overwrite existing files')
    .action((o) => run(commands.keygen().then((f) => f(o))));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  // The SDK warns on every run that its 2027 releases need Node 22; users cannot act on it mid-run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let code: number = ExitCode.ok;
  const program = buildProgram((c) => (code = c));
  const secrets = secretValues(process.env);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are successful exits; everything else commander rejects is usage
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? ExitCode.ok : ExitCode.usage;
    }
    const err = e as Error & { exitCode?: number };
    if (typeof err.exitCode === 'number') {
      process.stderr.write(`soc2: ${redactKnown(err.message, secrets)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`soc2: internal error: ${redactKnown(err?.message ?? String(e), secrets)}\n`);
    if (process.env.SOC2_DEBUG) process.stderr.write(String(err?.stack) + '\n');
    return ExitCode.internal;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = ExitCode.internal;
  },
);
