import React from 'react';

import { IWorkspace } from '../tokens';

/** Props of WorkspaceList. */
export interface IWorkspaceListProps {
  /** My workspaces kept from deleted notebooks. */
  workspaces: IWorkspace[];
  /** Launch a new notebook on this workspace. */
  onReattach: (name: string) => void;
  /** Delete this workspace (after asking). */
  onDelete: (name: string) => void;
}

/** Workspaces kept from deleted notebooks, each to reattach or delete. */
export function WorkspaceList({
  workspaces,
  onReattach,
  onDelete
}: IWorkspaceListProps): JSX.Element {
  return (
    <ul className="jp-nbctl-workspaces" aria-label="Kept workspaces">
      {workspaces.map(w => (
        <li key={w.name} className="jp-nbctl-workspace" data-workspace={w.name}>
          <div className="jp-nbctl-notebook-head">
            <span className="jp-nbctl-notebook-name">{w.name}</span>
          </div>
          <div className="jp-nbctl-notebook-meta">
            kept from {w.notebook}
            {(w.capacity ?? w.size) && ` · ${w.capacity ?? w.size}`}
          </div>
          <div className="jp-nbctl-actions">
            <button
              className="jp-nbctl-button"
              aria-label={`Reattach ${w.name}`}
              onClick={() => onReattach(w.name)}
            >
              Reattach
            </button>
            <button
              className="jp-nbctl-button jp-mod-warn"
              aria-label={`Delete workspace ${w.name}`}
              onClick={() => onDelete(w.name)}
            >
              Delete
            </button>
          </div>
        </li>
      ))}
    </ul>
  );
}
