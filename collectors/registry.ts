// The explicit list of collectors. A test keeps this list, the folders, their README.md files and
// mappings/soc2-ml.yaml in step.
import type { Collector } from '../src/core/types.js';
import awsIam from './aws-iam/index.js';

export const collectors: Collector<any>[] = [awsIam];
