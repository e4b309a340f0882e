import { ServiceError } from '../errors';
import { nameProblem, resourceGroupNameSchema } from '../naming';
import { DEFAULT_RECOVERY_RESOURCE_GROUP } from '../config/recoveryResourceGroup';

/** `ASR_RECOVERY_RESOURCE_GROUP` (a resource group name), or the default; a bad name stops the API with a message. */
export function recoveryResourceGroupFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.ASR_RECOVERY_RESOURCE_GROUP?.trim();
  if (!raw) return DEFAULT_RECOVERY_RESOURCE_GROUP;
  const problem = nameProblem(resourceGroupNameSchema, raw);
  if (problem) throw new ServiceError('InvalidConfiguration', `ASR_RECOVERY_RESOURCE_GROUP: '${raw}' ${problem}`);
  return raw;
}
