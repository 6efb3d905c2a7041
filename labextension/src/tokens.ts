/**
 * The shapes the /nbctl/api/ server answers with (see docs/openapi.json),
 * and the ids of the extension's commands.
 */

export namespace CommandIDs {
  export const open = 'nbctl:open';
  export const launch = 'nbctl:launch';
  export const refresh = 'nbctl:refresh';
  export const keepRunning = 'nbctl:keep-running';
  export const resize = 'nbctl:resize';
  export const update = 'nbctl:update';
  export const events = 'nbctl:events';
  export const logs = 'nbctl:logs';
  export const remove = 'nbctl:delete';
  export const details = 'nbctl:details';
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

/** The workspace a template gives each notebook; absent: scratch only. */
export interface IWorkspaceOffer {
  mountPath: string;
  size: IBounds;
  storageClassName?: string;
  accessMode: string;
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
  workspace?: IWorkspaceOffer;
}

/** A notebook's workspace, as its status says. */
export interface INotebookWorkspace {
  claimName: string;
  mountPath?: string;
  size?: string;
  capacity?: string;
  phase?: string;
  onDelete: 'Retain' | 'Delete';
  ready: boolean;
  reason: string;
  message: string;
}

/** One of my workspaces: in use by a notebook, or kept from a deleted one. */
export interface IWorkspace {
  name: string;
  notebook: string;
  inUse: boolean;
  size?: string;
  capacity?: string;
  phase?: string;
  created?: string;
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

/** What culling has in store for a notebook (docs/culling.md). */
export interface ICulling {
  state: 'Active' | 'Warning' | 'Unknown' | 'Stopped';
  reason: string;
  message: string;
  /** When it stops unless used (under Warning); when it stopped (Stopped). */
  stopAt?: string;
  /** How far Keep running may postpone an idle stop; absent: it may not. */
  keepAlive?: string;
  keptUntil?: string;
}

/** This Jupyter server, when it runs inside a jupyter-nbctl notebook. */
export interface ISelf {
  inside: boolean;
  culling?: ICulling;
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
  workspace?: INotebookWorkspace;
  created?: string;
  mine: boolean;
  culling?: ICulling;
}

export interface ILaunchRequest {
  name: string;
  template: { name: string; namespace?: string };
  configurations: string[];
  resources: IResources;
  updatePolicy: 'Auto' | 'Manual';
  workspace?: {
    size?: string;
    existingClaim?: string;
    onDelete?: 'Retain' | 'Delete';
  };
}

/** What a resize changes: resources (a restart), a bigger workspace (none). */
export interface IResizeRequest {
  resources?: IResources;
  workspace?: { size: string };
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

export interface IRevisionChange {
  what: string;
  before?: string;
  after?: string;
}

/** What Update would do: GET /nbctl/api/notebooks/{name}/update. */
export interface IUpdateView {
  current?: string;
  latest?: string;
  available: boolean;
  restarts: boolean;
  changes: IRevisionChange[];
}
