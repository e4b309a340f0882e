import type { ResourceDefinition } from '../ResourceDefinition';
import { alertRuleResource } from './alertRuleResource';
import { alertSettingResource } from './alertSettingResource';
import { drillScheduleResource } from './drillScheduleResource';
import { fabricResource } from './fabricResource';
import { networkMappingResource } from './networkMappingResource';
import { policyResource } from './policyResource';
import { protectedItemResource } from './protectedItemResource';
import { protectionContainerResource } from './protectionContainerResource';
import { recoveryPlanResource } from './recoveryPlanResource';
import { storageMappingResource } from './storageMappingResource';

/** Every vault resource kind the API serves, for the route table. */
export const RESOURCE_DEFINITIONS: ResourceDefinition<any>[] = [
  fabricResource,
  protectionContainerResource,
  policyResource,
  networkMappingResource,
  storageMappingResource,
  protectedItemResource,
  recoveryPlanResource,
  alertSettingResource,
  drillScheduleResource,
  alertRuleResource,
];

export {
  alertRuleResource, alertSettingResource, drillScheduleResource, fabricResource, networkMappingResource, policyResource, protectedItemResource,
  protectionContainerResource, recoveryPlanResource, storageMappingResource,
};
