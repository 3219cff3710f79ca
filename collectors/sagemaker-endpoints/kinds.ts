// The artifact kinds of sagemaker-endpoints, apart from index.ts so checks can import them without a cycle.
export const KIND = {
  endpoints: 'aws.sagemaker.endpoints',
  monitoringSchedules: 'aws.sagemaker.monitoring-schedules',
} as const;

/** Model Monitor's monitoring types (MonitoringScheduleSummary.MonitoringType) */
export const MONITORING_TYPES = ['DataQuality', 'ModelQuality', 'ModelBias', 'ModelExplainability'] as const;
