// What the collectors that read S3 share: an S3 client that follows a bucket to its region, an S3
// Control client usable against an endpoint given as an IP address, and the bucket an S3 URI names.
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient, type S3ControlClientConfig } from '@aws-sdk/client-s3-control';

/** S3 follows a bucket to its region: a training bucket need not be in the source's first region. */
export class RegionFollowingS3 extends S3Client {
  constructor(config: ConstructorParameters<typeof S3Client>[0]) {
    super({ ...config, followRegionRedirects: true });
  }
}

const IP_ENDPOINT = /^https?:\/\/(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])(:\d+)?\/?$/i;

/**
 * S3 Control puts the account id in front of the host (`123456789012.s3-control.…`). An endpoint
 * given as an IP address (an emulator on loopback, AWS_ENDPOINT_URL_S3_CONTROL) cannot carry that
 * label, so the SDK fails to build the URL; there the endpoint is used as given, and the account id
 * still travels in the x-amz-account-id header every S3 Control call sends.
 */
export class IpTolerantS3Control extends S3ControlClient {
  constructor(config: S3ControlClientConfig) {
    super(config);
    const resolve = this.config.endpointProvider;
    this.config.endpointProvider = (params, context) => (typeof params.Endpoint === 'string' && IP_ENDPOINT.test(params.Endpoint) ? { url: new URL(params.Endpoint) } : resolve(params, context));
  }
}

/** The bucket of `s3://bucket/key` (also s3a:// and s3n://, as Spark writes them); null for anything else. */
export function bucketOf(uri: unknown): string | null {
  if (typeof uri !== 'string') return null;
  const m = /^s3[an]?:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/|$)/.exec(uri.trim());
  return m ? m[1]! : null;
}
