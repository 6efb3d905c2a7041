import React, { useState } from 'react';

import { boundsProblem } from '../quantity';
import { INotebook, IResources } from '../tokens';
import { StatusBadge } from './StatusBadge';

/** What the list can ask the model to do. */
export interface INotebookActions {
  open: (notebook: INotebook) => void;
  stop: (name: string) => Promise<unknown>;
  start: (name: string) => Promise<unknown>;
  resize: (name: string, resources: IResources) => Promise<unknown>;
  update: (name: string) => Promise<unknown>;
  remove: (notebook: INotebook) => Promise<unknown>;
  events: (name: string) => void;
  logs: (name: string) => void;
}

/** Props of NotebookList. */
export interface INotebookListProps {
  /** The user's notebooks. */
  notebooks: INotebook[];
  /** The actions behind the buttons. */
  actions: INotebookActions;
}

/** The user's notebooks, each with its status and the actions its owner may take. */
export function NotebookList({
  notebooks,
  actions
}: INotebookListProps): JSX.Element {
  if (notebooks.length === 0) {
    return (
      <p className="jp-nbctl-empty">
        You have no notebooks yet. Launch one from a template below.
      </p>
    );
  }
  return (
    <ul className="jp-nbctl-notebooks" aria-label="My notebooks">
      {notebooks.map(nb => (
        <NotebookRow key={nb.name} notebook={nb} actions={actions} />
      ))}
    </ul>
  );
}

function NotebookRow({
  notebook,
  actions
}: {
  notebook: INotebook;
  actions: INotebookActions;
}): JSX.Element {
  const [resizing, setResizing] = useState(false);
  const nb = notebook;
  const running = nb.phase === 'Running';
  const resources = [
    nb.resources.cpu && `${nb.resources.cpu} CPU`,
    nb.resources.memory && `${nb.resources.memory}`,
    nb.resources.gpu ? `${nb.resources.gpu} GPU` : null
  ]
    .filter(Boolean)
    .join(' · ');
  const button = (label: string, onClick: () => void, extra = '') => (
    <button
      className={`jp-nbctl-button ${extra}`}
      onClick={onClick}
      aria-label={`${label} ${nb.name}`}
      data-action={label.toLowerCase()}
    >
      {label}
    </button>
  );
  return (
    <li
      className="jp-nbctl-notebook"
      data-notebook={nb.name}
      data-phase={nb.phase}
    >
      <div className="jp-nbctl-notebook-head">
        <span className="jp-nbctl-notebook-name">{nb.name}</span>
        <StatusBadge phase={nb.phase} />
        {nb.updateAvailable && (
          <span
            className="jp-nbctl-update"
            title={`Revision ${nb.latestRevision} is available`}
          >
            update available
          </span>
        )}
      </div>
      <div className="jp-nbctl-notebook-meta">
        {nb.template.name}
        {resources && ` · ${resources}`}
      </div>
      {!running && nb.message && (
        <div className="jp-nbctl-reason" role="status">
          <strong>{nb.reason}</strong>: {nb.message}
        </div>
      )}
      {nb.mine && (
        <div className="jp-nbctl-actions">
          {running &&
            nb.url &&
            button('Open', () => actions.open(nb), 'jp-mod-accept')}
          {nb.stopped
            ? button('Start', () => void actions.start(nb.name))
            : button('Stop', () => void actions.stop(nb.name))}
          {button('Resize', () => setResizing(r => !r))}
          {nb.updateAvailable &&
            button('Update', () => void actions.update(nb.name))}
          {button('Events', () => actions.events(nb.name))}
          {button('Logs', () => actions.logs(nb.name))}
          {button('Delete', () => void actions.remove(nb), 'jp-mod-warn')}
        </div>
      )}
      {resizing && (
        <ResizeForm
          notebook={nb}
          onResize={async r => {
            await actions.resize(nb.name, r);
            setResizing(false);
          }}
          onCancel={() => setResizing(false)}
        />
      )}
    </li>
  );
}

function ResizeForm(props: {
  notebook: INotebook;
  onResize: (resources: IResources) => Promise<void>;
  onCancel: () => void;
}): JSX.Element {
  const [cpu, setCpu] = useState(props.notebook.resources.cpu ?? '');
  const [memory, setMemory] = useState(props.notebook.resources.memory ?? '');
  const problems = [
    cpu && boundsProblem('CPU', cpu, {}),
    memory && boundsProblem('Memory', memory, {})
  ].filter(Boolean);
  return (
    <form
      className="jp-nbctl-resize"
      aria-label={`Resize ${props.notebook.name}`}
      onSubmit={e => {
        e.preventDefault();
        if (!problems.length) {
          void props
            .onResize({
              ...(cpu ? { cpu } : {}),
              ...(memory ? { memory } : {})
            })
            .catch(() => undefined);
        }
      }}
    >
      <label>
        CPU{' '}
        <input
          className="jp-mod-styled"
          value={cpu}
          onChange={e => setCpu(e.target.value)}
          aria-label="CPU"
        />
      </label>
      <label>
        Memory{' '}
        <input
          className="jp-mod-styled"
          value={memory}
          onChange={e => setMemory(e.target.value)}
          aria-label="Memory"
        />
      </label>
      {problems.map(p => (
        <span key={String(p)} className="jp-nbctl-problem" role="alert">
          {p}
        </span>
      ))}
      <div className="jp-nbctl-actions">
        <button
          type="button"
          className="jp-mod-styled jp-mod-reject"
          onClick={props.onCancel}
        >
          Cancel
        </button>
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={problems.length > 0}
        >
          Resize and restart
        </button>
      </div>
    </form>
  );
}
