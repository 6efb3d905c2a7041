import React from 'react';

import { useTrans } from '../i18n';
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
  const trans = useTrans();
  if (workspaces.length === 0) {
    return (
      <p className="jp-nbctl-empty">
        {trans.__('No kept workspace matches the filter.')}
      </p>
    );
  }
  return (
    <ul
      className="jp-nbctl-workspaces"
      aria-label={trans.__('Kept workspaces')}
    >
      {workspaces.map(w => (
        <li key={w.name} className="jp-nbctl-workspace" data-workspace={w.name}>
          <div className="jp-nbctl-notebook-head">
            <span className="jp-nbctl-notebook-name">{w.name}</span>
          </div>
          <div className="jp-nbctl-notebook-meta">
            {trans.__('kept from %1', w.notebook)}
            {(w.capacity ?? w.size) && ` · ${w.capacity ?? w.size}`}
          </div>
          <div className="jp-nbctl-actions">
            <button
              className="jp-nbctl-button"
              aria-label={trans.__('Reattach %1', w.name)}
              title={trans.__(
                'Launch a new notebook on %1, with its files',
                w.name
              )}
              onClick={() => onReattach(w.name)}
            >
              {trans.__('Reattach')}
            </button>
            <button
              className="jp-nbctl-button jp-mod-warn"
              aria-label={trans.__('Delete workspace %1', w.name)}
              onClick={() => onDelete(w.name)}
            >
              {trans.__('Delete')}
            </button>
          </div>
        </li>
      ))}
    </ul>
  );
}
