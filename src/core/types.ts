// The collector contract (see DESIGN.md). Collectors are declared, not discovered: each folder in
// collectors/ exports one Collector and collectors/registry.ts lists them.
import type * as z from 'zod';

export type SourceKind = 'aws' | 'mlflow' | 'vertex' | 'prometheus';

/** Where one run of a collector points: a source, and within it an account/region/location. */
export interface Target {
  kind: SourceKind;
  /** the config's source name (`sources.aws[].name`) */
  source: string;
  /** AWS account id, when known */
  account?: string;
  /** AWS region or Vertex location, for regional collectors */
  region?: string;
  /** GCP project */
  project?: string;
  /** MLflow tracking server (URI without credentials) */
  server?: string;
  /** path segments under artifacts/<source>/<collector>/ that keep targets apart */
  pathSegments: string[];
}

export interface ArtifactDecl {
  /** dotted kind, the key used in mappings/soc2-ml.yaml, e.g. `aws.iam.authorization-details` */
  kind: string;
  /** file name inside the collector's folder of the bundle */
  file: string;
  description: string;
}

/** How a row field is read from an event of a derived log: its path, type and the log field used when the event lacks it. */
export interface PopulationField {
  /** dotted path into the event, e.g. `approval.approver` */
  from: string;
  type: 'string' | 'string?' | 'boolean' | 'record';
  /** `window.from` / `window.to`: the log's window when the event has no value */
  orLog?: 'window.from' | 'window.to';
}

/**
 * A population this collector's artifacts feed (the report builds every one with one generic builder,
 * src/report/populations.ts). `chain: 'log'`: the artifact of `kind` is a derived log
 * `{baseline, window: {from, to}, previousBundle?, events[]}` and each complete log continues the
 * previous complete log of the same source × collector × folder; a break is a blind window.
 */
export interface PopulationDecl {
  /** the report population the rows join (`promotions`, `secret-rotations`) */
  population: string;
  kind: string;
  chain: 'log';
  /** row fields whose values, joined with `|`, identify one change (the dedupe and sampling key);
   *  `$source`, `$collector` and `$series` (the artifact's folder) name the log's series */
  key: string[];
  /** row field → where it comes from in an event */
  fields: Record<string, PopulationField>;
  /** row field naming who made the change, when the system records it ("unknown" otherwise) */
  actor?: string;
  /**
   * an audit log that can name the actor of a row whose actor is unknown: an event of artifact `kind`
   * (NDJSON `{eventId, eventTime, eventName, account, actor: {arn, userName}, resources: [{name}]}`)
   * named in `eventNames`, in the row's window, of the row's account, on a resource whose name ends
   * with `resource` (`{field}` replaced by the row's values; case-insensitive)
   */
  actorEvents?: {
    kind: string;
    eventNames: string[];
    resource: string;
    /** the names that can make one row: `names[template filled with the row]` (absent key: none), instead of every name */
    eventNamesBy?: { template: string; names: Record<string, string[]> };
    /** among several matching events, prefer those also naming this (`{field}` filled; e.g. the policy attached) */
    preferResource?: string;
  };
  /**
   * a day of the window with no log of a series between two of its logs is a blind window: a change made
   * and undone between the two collections is not seen (access grants; a registry keeps its history otherwise)
   */
  blindOnMissingDay?: boolean;
}

export interface CollectorMeta {
  id: string;
  title: string;
  source: SourceKind;
  /** global: once per account / source; regional: once per region (AWS) or location (Vertex) */
  scope: 'global' | 'regional';
  artifacts: ArtifactDecl[];
  /** exact read-only API actions needed (IAM action names for AWS, RPC/REST names elsewhere) */
  permissions: string[];
  /** settings the collector accepts under `settings.<id>` in the config; defaults applied */
  settings?: z.ZodType;
  /**
   * artifact kinds of OTHER collectors this one reads from the same bundle (through `ctx.run`); the
   * runner runs their producers first. A reader must still work when the producer did not run (`--only`)
   * or left its artifact incomplete, and say in its provenance which way it went.
   */
  reads?: string[];
  /** the populations its derived logs feed (promotions, rotations) */
  populations?: PopulationDecl[];
}

export interface OperationRecord {
  api: string;
  params: Record<string, unknown>;
  pages: number;
  calls?: number;
}

export interface Provenance {
  system: string;
  scope: Record<string, string>;
  operations: OperationRecord[];
  complete: boolean;
  collectedAt: string;
  periodCovered?: { from: string; to: string };
  /** extra facts for the auditor (e.g. redactions made, baseline) */
  notes?: Record<string, unknown>;
}

export interface Gap {
  api: string;
  code: string;
  message: string;
}

export interface NdjsonArtifact {
  write(record: unknown): Promise<void>;
  /** closes the file; `complete: false` marks evidence known to be incomplete */
  finish(p: { operations: OperationRecord[]; complete: boolean; notes?: Record<string, unknown>; periodCovered?: { from: string; to: string } }): Promise<void>;
}

export interface ArtifactSink {
  json(kind: string, value: unknown, p: { operations: OperationRecord[]; complete: boolean; records?: number; notes?: Record<string, unknown>; periodCovered?: { from: string; to: string } }): Promise<void>;
  ndjson(kind: string): Promise<NdjsonArtifact>;
  /** raw text (e.g. the credential report CSV) */
  text(kind: string, text: string, p: { operations: OperationRecord[]; complete: boolean; records?: number; notes?: Record<string, unknown> }): Promise<void>;
}

/** Read access to artifacts of one collector × target, in this bundle or the previous one. */
export interface ArtifactReader {
  has(kind: string): boolean;
  /** true when the artifact exists and its provenance says complete */
  complete(kind: string): boolean;
  readJson<T = unknown>(kind: string): Promise<T>;
  readText(kind: string): Promise<string>;
  iterate<T = unknown>(kind: string): AsyncIterable<T>;
  collectedAt?: string;
  bundleId?: string;
}

/** An artifact another collector wrote earlier in this run (see `CollectorMeta.reads`). */
export interface RunArtifact {
  kind: string;
  path: string;
  collector: string;
  source: string;
  scope: Record<string, string>;
  complete: boolean;
  records: number;
  readJson<T = unknown>(): Promise<T>;
  readText(): Promise<string>;
  iterate<T = unknown>(): AsyncIterable<T>;
}

export interface RunArtifacts {
  /**
   * artifacts of `kind` written so far in this bundle (the kind must be declared in `meta.reads`), whose
   * provenance scope matches every given key (`source`, `account`, `region`, `project`, `location`, `server`)
   */
  find(kind: string, where?: Record<string, string | undefined>): RunArtifact[];
}

/** The previous snapshot of one artifact kind, for artifacts derived by comparing two bundles. */
export interface Baseline {
  /** the newest earlier bundle of this stream where this collector wrote `kind` complete for this target, or null */
  reader: ArtifactReader | null;
  /**
   * earlier bundles, newer than the one found (all of them when none was found), in which this collector
   * ran on this target but `kind` was missing or incomplete, newest first. Empty and no reader: the first run.
   */
  skipped: string[];
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export interface Paginator {
  /**
   * Runs a paginated call to the end. Stops when `next` is absent; a token seen before is an error
   * (a server looping would otherwise make us collect forever or a silently short list).
   */
  all<P>(op: { api: string; params: Record<string, unknown> }, fetchPage: (token: string | undefined) => Promise<{ page: P; next?: string | undefined }>, onPage: (page: P) => Promise<void> | void): Promise<OperationRecord>;
}

export interface BaseContext<S = unknown> {
  target: Target;
  /** the source's settings from the config, normalised */
  source: S;
  /** `settings.<collector-id>` from the config, parsed by the collector's schema */
  settings: any;
  now(): Date;
  log: Logger;
  signal: AbortSignal;
  paginate: Paginator;
  artifacts: ArtifactSink;
  /** what this run has written so far (to derive artifacts from others without new API calls) */
  written: ArtifactReader;
  /**
   * artifacts this collector wrote for the same target in the newest earlier bundle of the stream in
   * which it ran there (whatever its status), or null (first run)
   */
  previous: ArtifactReader | null;
  /** the snapshot to compare with for a derived artifact: judged by that artifact's completeness, not by other gaps */
  baseline(kind: string): Baseline;
  /** artifacts other collectors wrote earlier in this run (kinds declared in `meta.reads`) */
  run: RunArtifacts;
  /** records a gap: a failed or denied call. The bundle becomes partial. */
  gap(g: Gap): void;
  /** counts API calls made outside SDK clients that count themselves */
  countCall(n?: number): void;
  concurrency: number;
}

export interface CheckInput {
  target: Target;
  source: any;
  settings: any;
  now: Date;
  artifacts: ArtifactReader;
  /**
   * Shares work between the checks of one collector × target in one run: the first call with a key runs
   * `compute`, later ones get its promise (its value or its error). For one pass over a large artifact that
   * several checks read; `compute` must depend on `artifacts` only, since every check of the run sees its
   * value. The runner always gives it; an input built by hand (tests) may leave it out, and then each
   * check computes for itself.
   */
  memo?<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

export type FindingStatus = 'pass' | 'fail' | 'error' | 'not_applicable';

export interface Exception {
  resource: string;
  reason: string;
}

export interface CheckResult {
  status: FindingStatus;
  summary: string;
  exceptions?: Exception[];
}

export interface Check {
  id: string;
  title: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  /** artifact kinds the check reads; a missing or incomplete one makes the finding `error` */
  reads: string[];
  /**
   * how the report tracks its exceptions: `state` (default) — a setting or principal that is open while
   * listed and resolved when a later run no longer lists it; `event` — something that happened (an
   * unapproved promotion, a missed rotation): a deviation that never resolves by itself
   */
  exceptions?: ExceptionType;
  run(input: CheckInput): Promise<CheckResult> | CheckResult;
}

export interface Collector<C extends BaseContext = BaseContext<any>> {
  meta: CollectorMeta;
  collect(ctx: C): Promise<void>;
  checks: Check[];
}

export interface Finding {
  check: string;
  title: string;
  severity: Check['severity'];
  criteria: string[];
  status: FindingStatus;
  summary: string;
  exceptions: Exception[];
  artifacts: string[];
  collector: string;
  source: string;
  scope: Record<string, string>;
  /** the check's `exceptions` declaration when it is `event` (absent: state) */
  exceptionType?: ExceptionType;
}

export type ExceptionType = 'state' | 'event';
