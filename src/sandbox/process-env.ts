// Points this process's AWS SDK (which takes endpoints and credentials from the environment only) at
// a sandbox, and clears whatever MLflow or AWS identity the caller's environment holds, for the
// in-process collections of `soc2 demo` and the benchmark's evidence generator.

const CLEARED = ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'MLFLOW_TRACKING_URI', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'DATABRICKS_HOST', 'DATABRICKS_TOKEN'];

/** Sets the sandbox's AWS variables (plus `extra`), removes the caller's identities; returns the restore. */
export function useSandboxEnv(aws: { url: string; accessKeyId: string; secretAccessKey: string; region: string }, extra: Record<string, string> = {}): () => void {
  const saved = { ...process.env };
  for (const k of CLEARED) delete process.env[k];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: aws.url,
    AWS_ACCESS_KEY_ID: aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
    AWS_REGION: aws.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  });
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
}
