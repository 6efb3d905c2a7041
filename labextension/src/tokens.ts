/**
 * The shapes the /nbctl/api/ server answers with (see docs/openapi.json),
 * and the ids of the extension's commands.
 */

export namespace CommandIDs {
  export const open = 'nbctl:open';
  export const launch = 'nbctl:launch';
  export const refresh = 'nbctl:refresh';
}

export type Phase =
  | 'Pending'
  | 'Starting'
  | 'Running'
  | 'Stopping'
  | 'Stopped'
  | 'Failed'
  | 'Unknown';

export interface IIdentity {
  username: string;
  groups: string[];
  namespace: string;
}

export interface IBounds {
  default: string;
  min?: string;
  max?: string;
}

export interface IGpuBounds {
  default: number;
  min: number;
  max: number;
}

export interface IConfiguration {
  name: string;
  displayName: string;
  description: string;
  default: boolean;
}

export interface ITemplate {
  name: string;
  namespace: string;
  displayName: string;
  description: string;
  icon?: string;
  image: string;
  configurations: IConfiguration[];
  resources: { cpu: IBounds; memory: IBounds; gpu: IGpuBounds };
}

export interface ICondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface IResources {
  cpu?: string;
  memory?: string;
  gpu?: number;
}

export interface INotebook {
  name: string;
  namespace: string;
  owner?: string;
  template: { name: string; namespace: string };
  phase: Phase;
  ready: boolean;
  reason: string;
  message: string;
  url?: string;
  stopped: boolean;
  resources: IResources;
  updatePolicy: 'Auto' | 'Manual';
  configurations: string[];
  currentRevision?: string;
  latestRevision?: string;
  updateAvailable: boolean;
  conditions: ICondition[];
  created?: string;
  mine: boolean;
}

export interface ILaunchRequest {
  name: string;
  template: { name: string; namespace?: string };
  configurations: string[];
  resources: IResources;
  updatePolicy: 'Auto' | 'Manual';
}

export interface IEvent {
  type: string;
  reason: string;
  message: string;
  object: string;
  count: number;
  lastSeen?: string;
}

export interface ILogs {
  container: string;
  text: string;
}
