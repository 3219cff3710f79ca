// The explicit list of collectors. A test keeps this list, the folders, their README.md files and
// mappings/soc2-ml.yaml in step.
import type { Collector } from '../src/core/types.js';
import awsDataStores from './aws-data-stores/index.js';
import awsIam from './aws-iam/index.js';
import awsSecretsManager from './aws-secrets-manager/index.js';
import bedrock from './bedrock/index.js';
import mlflowLineage from './mlflow-lineage/index.js';
import mlflowRegistry from './mlflow-registry/index.js';
import prometheusAvailability from './prometheus-availability/index.js';
import sagemakerEndpoints from './sagemaker-endpoints/index.js';
import sagemakerRegistry from './sagemaker-registry/index.js';
import sagemakerTraining from './sagemaker-training/index.js';
import awsAuditTrail from './aws-audit-trail/index.js';
import awsMonitoring from './aws-monitoring/index.js';
import vertexEndpoints from './vertex-endpoints/index.js';
import vertexLineage from './vertex-lineage/index.js';
import vertexRegistry from './vertex-registry/index.js';

export const collectors: Collector<any>[] = [awsIam, awsSecretsManager, mlflowRegistry, mlflowLineage, vertexRegistry, vertexLineage, vertexEndpoints, sagemakerEndpoints, sagemakerRegistry, sagemakerTraining, prometheusAvailability, awsAuditTrail, awsMonitoring, bedrock, awsDataStores];
