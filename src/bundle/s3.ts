// The S3 evidence store: a write-once copy of every bundle (Object Lock), the chain continued from
// the last bundle found in S3, and `verify`/`report` straight from an s3:// location.
//
// Key layout (docs/s3-store.md):  <prefix>/<stream folder>/<bundle-id>/<path inside the bundle>
//   stream folder = the config's evidence.stream, or "_default" when none is set ("_" cannot begin a
//   stream name, so the two never collide). manifest.json is uploaded last: a bundle folder without
//   it is an unfinished upload, never the chain's tip and never evidence.
//
// Every object is written with x-amz-checksum-sha256 (the SHA-256 the manifest already records, so S3
// rejects bytes corrupted on the way), `If-None-Match: *` (an existing key is never overwritten; a
// retry that finds its own object already there compares checksums and moves on) and, when
// configured, Object Lock retention (mode, now + retainDays by the real clock).
//
// The parts, in src/bundle/s3/: location (s3:// URLs, keys), client (SDK client, moto workarounds,
// request counts), listing, objects (GET, attributes), chain (the tip), upload, store (collect),
// verify (by checksums or --download), materialize (a whole download), report-evidence (the report's
// files only). This module is their public face.
export { DEFAULT_STREAM_FOLDER, bundleKeyPrefix, formatS3Location, isS3Location, parseS3Location, streamFolder, type S3Location, type S3Settings, type TransferStats } from './s3/location.js';
export { createS3Client } from './s3/client.js';
export { findS3Tip, readS3Chain, type S3Chain, type S3Tip } from './s3/chain.js';
export { LinkTaken, linkClaimKey, uploadBundle } from './s3/upload.js';
export { localChainAfter, openS3Store, type S3Store, type S3UploadReport } from './s3/store.js';
export { materializeEvidence, type MaterializeOptions, type Materialized } from './s3/materialize.js';
export { verifyS3, type S3VerifyResult } from './s3/verify.js';
export { readReportEvidence, reportS3Line, type ReportEvidence, type ReportS3Stats } from './s3/report-evidence.js';
export { reportReads, filesTheReportReads, type ReportReads } from './s3/report-files.js';
