// The artifact kinds of bedrock, apart from index.ts so checks and aws-data-stores can import them without a cycle.
export const KIND = {
  invocationLogging: 'aws.bedrock.invocation-logging',
  customModels: 'aws.bedrock.custom-models',
  customizationJobs: 'aws.bedrock.customization-jobs',
} as const;

/** the data types Bedrock can deliver to its invocation logs (LoggingConfig.*DataDeliveryEnabled) */
export const DATA_TYPES = ['text', 'image', 'embedding', 'video'] as const;
export type DataType = (typeof DATA_TYPES)[number];
