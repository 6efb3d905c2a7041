import React, { useState } from 'react';

import { boundsProblem, parseQuantity } from '../quantity';
import { INotebook, IResizeRequest, ITemplate, Phase } from '../tokens';
import { CullingNotice } from './CullingNotice';
import { StatusBadge } from './StatusBadge';

/** What the list can ask the model to do. */
export interface INotebookActions {
  open: (notebook: INotebook) => void;
  stop: (name: string) => Promise<unknown>;
  start: (name: string) => Promise<unknown>;
  resize: (name: string, request: IResizeRequest) => Promise<unknown>;
  update: (name: string) => Promise<unknown>;
  keepRunning: (name: string) => Promise<unknown>;
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
  /** The templates, for each notebook's bounds. */
  templates?: ITemplate[];
}

/** The user's notebooks, each with its status and the actions its owner may take. */
export function NotebookList({
  notebooks,
  actions,
  templates = []
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
        <NotebookRow
          key={nb.name}
          notebook={nb}
          actions={actions}
          template={templates.find(
            t =>
              t.name === nb.template.name &&
              t.namespace === nb.template.namespace
          )}
        />
      ))}
    </ul>
  );
}

/**
 * The phase to show: the notebook's own, unless its status has not caught up
 * with what its owner asked (a Stop of a running notebook, a Start of a
 * stopped one), which shows as the transition under way.
 */
export function shownPhase(nb: INotebook): Phase {
  if (nb.stopped && nb.phase !== 'Stopped' && nb.phase !== 'Failed') {
    return 'Stopping';
  }
  if (!nb.stopped && nb.phase === 'Stopped') {
    return 'Starting';
  }
  return nb.phase;
}

function NotebookRow({
  notebook,
  actions,
  template
}: {
  notebook: INotebook;
  actions: INotebookActions;
  template?: ITemplate;
}): JSX.Element {
  const [resizing, setResizing] = useState(false);
  // A Stop or Start sent and not yet answered: the row waits for it, not for a second press.
  const [sending, setSending] = useState<'stop' | 'start' | null>(null);
  const nb = notebook;
  const running = nb.phase === 'Running';
  const phase = shownPhase(nb);
  const settling = sending !== null || phase !== nb.phase;
  const going = sending ?? (nb.stopped ? 'stop' : 'start');
  const transition = going === 'stop' ? 'Stopping' : 'Starting';
  const toggle = (what: 'stop' | 'start') => {
    setSending(what);
    void actions[what](nb.name).finally(() => setSending(null));
  };
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
        <StatusBadge phase={phase} />
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
        {nb.workspace
          ? ` · workspace ${nb.workspace.capacity ?? nb.workspace.size ?? ''}`
          : ' · no workspace'}
      </div>
      {!running && nb.message && (
        <div className="jp-nbctl-reason" role="status">
          <strong>{nb.reason}</strong>: {nb.message}
        </div>
      )}
      {nb.culling && (
        <CullingNotice
          culling={nb.culling}
          name={nb.name}
          onKeepRunning={
            nb.mine ? () => void actions.keepRunning(nb.name) : undefined
          }
        />
      )}
      {nb.workspace &&
        !nb.workspace.ready &&
        nb.workspace.reason !== 'WaitingForVolume' &&
        nb.workspace.message && (
          <div className="jp-nbctl-reason" role="status">
            <strong>Workspace</strong>: {nb.workspace.message}
          </div>
        )}
      {nb.mine && (
        <div className="jp-nbctl-actions">
          {running &&
            nb.url &&
            button('Open', () => actions.open(nb), 'jp-mod-accept')}
          {settling ? (
            <button
              className="jp-nbctl-button"
              disabled
              aria-label={`${transition} ${nb.name}`}
              data-action="settling"
            >
              {transition}…
            </button>
          ) : nb.stopped ? (
            button('Start', () => toggle('start'))
          ) : (
            button('Stop', () => toggle('stop'))
          )}
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
          template={template}
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
  template?: ITemplate;
  onResize: (request: IResizeRequest) => Promise<void>;
  onCancel: () => void;
}): JSX.Element {
  const nb = props.notebook;
  const bounds = props.template?.resources;
  const [cpu, setCpu] = useState(nb.resources.cpu ?? bounds?.cpu.default ?? '');
  const [memory, setMemory] = useState(
    nb.resources.memory ?? bounds?.memory.default ?? ''
  );
  const now = nb.workspace?.size ?? '';
  const [size, setSize] = useState(now);
  const cpuChanged = cpu !== (nb.resources.cpu ?? bounds?.cpu.default ?? '');
  const memoryChanged =
    memory !== (nb.resources.memory ?? bounds?.memory.default ?? '');
  const sizeChanged = !!nb.workspace && size !== now;
  const sizeProblem = sizeChanged
    ? (boundsProblem(
        'Workspace size',
        size,
        props.template?.workspace?.size ?? {}
      ) ??
      ((parseQuantity(size) ?? 0) < (parseQuantity(now) ?? 0)
        ? `A workspace only grows: it is ${now} now`
        : null))
    : null;
  const problems = [
    cpuChanged && boundsProblem('CPU', cpu, bounds?.cpu ?? {}),
    memoryChanged && boundsProblem('Memory', memory, bounds?.memory ?? {}),
    sizeProblem
  ].filter(Boolean);
  const restarts = cpuChanged || memoryChanged;
  return (
    <form
      className="jp-nbctl-resize"
      aria-label={`Resize ${nb.name}`}
      onSubmit={e => {
        e.preventDefault();
        if (!problems.length && (restarts || sizeChanged)) {
          void props
            .onResize({
              ...(restarts ? { resources: { cpu, memory } } : {}),
              ...(sizeChanged ? { workspace: { size } } : {})
            })
            .catch(() => undefined);
        }
      }}
    >
      <label>
        CPU{bounds?.cpu.max ? ` (up to ${bounds.cpu.max})` : ''}{' '}
        <input
          className="jp-mod-styled"
          value={cpu}
          onChange={e => setCpu(e.target.value)}
          aria-label="CPU"
        />
      </label>
      <label>
        Memory{bounds?.memory.max ? ` (up to ${bounds.memory.max})` : ''}{' '}
        <input
          className="jp-mod-styled"
          value={memory}
          onChange={e => setMemory(e.target.value)}
          aria-label="Memory"
        />
      </label>
      {nb.workspace && (
        <label>
          Workspace
          {props.template?.workspace?.size.max
            ? ` (up to ${props.template.workspace.size.max})`
            : ''}{' '}
          <input
            className="jp-mod-styled"
            value={size}
            onChange={e => setSize(e.target.value)}
            aria-label="Workspace size"
          />
        </label>
      )}
      {problems.map(p => (
        <span key={String(p)} className="jp-nbctl-problem" role="alert">
          {p}
        </span>
      ))}
      <p className="jp-nbctl-hint">
        {restarts
          ? 'New CPU or memory restarts the notebook: running kernels stop; files in the workspace are kept.'
          : 'A bigger workspace does not restart the notebook.'}
      </p>
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
          disabled={problems.length > 0 || !(restarts || sizeChanged)}
        >
          {restarts ? 'Resize and restart' : 'Resize'}
        </button>
      </div>
    </form>
  );
}
