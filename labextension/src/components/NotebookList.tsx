import {
  ellipsesIcon,
  launchIcon,
  runIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import React from 'react';

import { useTrans } from '../i18n';
import { boundsProblem, parseQuantity } from '../quantity';
import { PanelState } from '../state';
import { INotebook, IResizeRequest, ITemplate, Phase } from '../tokens';
import { CullingNotice } from './CullingNotice';
import { IconButton } from './IconButton';
import { LaunchStages, launchStage } from './LaunchStages';
import { QuantityInput } from './QuantityInput';
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
  /** The notebook's own tab in the main area, at a section. */
  details: (
    name: string,
    section?: 'overview' | 'events' | 'log' | 'update'
  ) => void;
  /** The row's menu of the less frequent actions, opened at `anchor`. */
  menu: (notebook: INotebook, anchor: HTMLElement) => void;
}

/** Props of NotebookList. */
export interface INotebookListProps {
  /** The user's notebooks. */
  notebooks: INotebook[];
  /** The actions behind the buttons. */
  actions: INotebookActions;
  /** The templates, for each notebook's bounds and display name. */
  templates?: ITemplate[];
  /** The filter and the open resize form. */
  state: PanelState;
}

/** The user's notebooks, each with its status and the actions its owner may take. */
export function NotebookList({
  notebooks,
  actions,
  templates = [],
  state
}: INotebookListProps): JSX.Element {
  const trans = useTrans();
  if (notebooks.length === 0) {
    return (
      <p className="jp-nbctl-empty">
        {trans.__(
          'You have no notebooks yet. Launch one from a template below.'
        )}
      </p>
    );
  }
  const templateOf = (nb: INotebook) =>
    templates.find(
      t => t.name === nb.template.name && t.namespace === nb.template.namespace
    );
  const shown = notebooks.filter(nb =>
    state.matches(nb.name, nb.template.name, templateOf(nb)?.displayName)
  );
  if (shown.length === 0) {
    return (
      <p className="jp-nbctl-empty">
        {trans.__('No notebook matches “%1”.', state.filter)}
      </p>
    );
  }
  return (
    <ul className="jp-nbctl-notebooks" aria-label={trans.__('My notebooks')}>
      {shown.map(nb => (
        <NotebookRow
          key={nb.name}
          notebook={nb}
          actions={actions}
          template={templateOf(nb)}
          resizing={state.resizing === nb.name}
          onResizeOpen={() => {
            state.resizing = nb.name;
          }}
          onResized={() => {
            state.resizing = null;
          }}
        />
      ))}
    </ul>
  );
}

/**
 * The phase to show: the notebook's own, unless its status has not caught up
 * with what its owner asked (a Stop of a running notebook, a Start of a
 * stopped one), which shows as the transition under way; a notebook the
 * controller has not yet seen is Pending, not Unknown.
 */
export function shownPhase(nb: INotebook): Phase {
  if (nb.stopped && nb.phase !== 'Stopped' && nb.phase !== 'Failed') {
    return 'Stopping';
  }
  if (!nb.stopped && nb.phase === 'Stopped') {
    return 'Starting';
  }
  if (nb.phase === 'Unknown' && nb.conditions.length === 0) {
    // Just accepted: the controller has not written its status yet.
    return nb.stopped ? 'Stopped' : 'Pending';
  }
  return nb.phase;
}

function NotebookRow({
  notebook,
  actions,
  template,
  resizing,
  onResizeOpen,
  onResized
}: {
  notebook: INotebook;
  actions: INotebookActions;
  template?: ITemplate;
  resizing: boolean;
  onResizeOpen: () => void;
  onResized: () => void;
}): JSX.Element {
  const trans = useTrans();
  const rowRef = React.useRef<HTMLLIElement>(null);
  // A Stop or Start sent and not yet answered: the row waits for it, not for a second press.
  const [sending, setSending] = React.useState<'stop' | 'start' | null>(null);
  const nb = notebook;
  const running = nb.phase === 'Running';
  const phase = shownPhase(nb);
  const starting = launchStage(nb) !== null;
  const settling = sending !== null || phase !== nb.phase;
  const going = sending ?? (nb.stopped ? 'stop' : 'start');
  const toggle = (what: 'stop' | 'start') => {
    setSending(what);
    void actions[what](nb.name).finally(() => setSending(null));
  };
  // The form was opened from the row's menu: focus goes back to its button.
  const backToMenu = () =>
    requestAnimationFrame(() =>
      rowRef.current
        ?.querySelector<HTMLElement>('[data-action="more"]')
        ?.focus()
    );
  const resources = [
    nb.resources.cpu && trans.__('%1 CPU', nb.resources.cpu),
    nb.resources.memory && `${nb.resources.memory}`,
    nb.resources.gpu ? trans.__('%1 GPU', nb.resources.gpu) : null
  ]
    .filter(Boolean)
    .join(' · ');
  const stopTip = nb.workspace
    ? trans.__(
        'Stop %1: running kernels end; the files in its workspace are kept',
        nb.name
      )
    : trans.__(
        'Stop %1: running kernels end, and its files are lost (it has no workspace)',
        nb.name
      );
  return (
    <li
      className="jp-nbctl-notebook"
      data-notebook={nb.name}
      data-phase={nb.phase}
      tabIndex={-1}
      aria-label={nb.name}
      ref={rowRef}
    >
      <div className="jp-nbctl-notebook-head">
        <button
          type="button"
          className="jp-nbctl-notebook-name"
          aria-label={trans.__('Details of %1', nb.name)}
          title={trans.__(
            'Details of %1: overview, events, log and updates, in a tab',
            nb.name
          )}
          onClick={() => actions.details(nb.name)}
        >
          {nb.name}
        </button>
        <StatusBadge phase={phase} />
        {nb.updateAvailable && (
          <span
            className="jp-nbctl-update"
            title={trans.__(
              'Its template has changed since this notebook started: Update (in ⋯) says what changes, and restarts it on the new revision'
            )}
          >
            {trans.__('update available')}
          </span>
        )}
        {nb.mine && (
          <span className="jp-nbctl-row-actions">
            {running && nb.url && (
              <IconButton
                icon={launchIcon}
                label={trans.__('Open %1', nb.name)}
                tooltip={trans.__('Open %1 in a new tab', nb.name)}
                action="open"
                onClick={() => actions.open(nb)}
              />
            )}
            {settling ? (
              <IconButton
                icon={going === 'stop' ? stopIcon : runIcon}
                label={
                  going === 'stop'
                    ? trans.__('Stopping %1', nb.name)
                    : trans.__('Starting %1', nb.name)
                }
                tooltip={trans.__('Waiting for the cluster to catch up')}
                action="settling"
                disabled
                text={
                  going === 'stop'
                    ? trans.__('Stopping…')
                    : trans.__('Starting…')
                }
              />
            ) : nb.stopped ? (
              <IconButton
                icon={runIcon}
                label={trans.__('Start %1', nb.name)}
                tooltip={trans.__('Start %1', nb.name)}
                action="start"
                onClick={() => toggle('start')}
              />
            ) : (
              <IconButton
                icon={stopIcon}
                label={trans.__('Stop %1', nb.name)}
                tooltip={stopTip}
                action="stop"
                onClick={() => toggle('stop')}
              />
            )}
            <IconButton
              icon={ellipsesIcon}
              label={trans.__('More actions for %1', nb.name)}
              tooltip={trans.__('Resize, update, events, logs, delete')}
              action="more"
              onClick={e => actions.menu(nb, e.currentTarget)}
            />
          </span>
        )}
      </div>
      <div className="jp-nbctl-notebook-meta">
        {template?.displayName ?? nb.template.name}
        {resources && ` · ${resources}`}
        {nb.workspace
          ? ` · ${trans.__('workspace %1', nb.workspace.capacity ?? nb.workspace.size ?? '')}`
          : ` · ${trans.__('no workspace')}`}
      </div>
      {starting ? (
        <LaunchStages notebook={nb} onResize={onResizeOpen} />
      ) : (
        !running &&
        nb.message &&
        nb.reason !== 'Stopped' && (
          <div
            className={`jp-nbctl-reason${nb.phase === 'Failed' ? ' jp-mod-failed' : ''}`}
            role="status"
          >
            <strong>{nb.reason}</strong>: {nb.message}
          </div>
        )
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
            <strong>{trans.__('Workspace')}</strong>: {nb.workspace.message}
          </div>
        )}
      {resizing && (
        <ResizeForm
          notebook={nb}
          template={template}
          onResize={async r => {
            await actions.resize(nb.name, r);
            onResized();
            backToMenu();
          }}
          onCancel={() => {
            onResized();
            backToMenu();
          }}
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
  const trans = useTrans();
  const nb = props.notebook;
  const bounds = props.template?.resources;
  const [cpu, setCpu] = React.useState(
    nb.resources.cpu ?? bounds?.cpu.default ?? ''
  );
  const [memory, setMemory] = React.useState(
    nb.resources.memory ?? bounds?.memory.default ?? ''
  );
  const now = nb.workspace?.size ?? '';
  const [size, setSize] = React.useState(now);
  const cpuChanged = cpu !== (nb.resources.cpu ?? bounds?.cpu.default ?? '');
  const memoryChanged =
    memory !== (nb.resources.memory ?? bounds?.memory.default ?? '');
  const sizeChanged = !!nb.workspace && size !== now;
  const sizeProblem = sizeChanged
    ? (boundsProblem(
        trans.__('Workspace size'),
        size,
        props.template?.workspace?.size ?? {},
        trans
      ) ??
      ((parseQuantity(size) ?? 0) < (parseQuantity(now) ?? 0)
        ? trans.__('A workspace only grows: it is %1 now', now)
        : null))
    : null;
  const problems = [
    cpuChanged && boundsProblem(trans.__('CPU'), cpu, bounds?.cpu ?? {}, trans),
    memoryChanged &&
      boundsProblem(trans.__('Memory'), memory, bounds?.memory ?? {}, trans),
    sizeProblem
  ].filter(Boolean);
  const restarts = cpuChanged || memoryChanged;
  return (
    <form
      className="jp-nbctl-resize"
      aria-label={trans.__('Resize %1', nb.name)}
      onKeyDown={e => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          props.onCancel();
        }
      }}
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
        {bounds?.cpu.max
          ? trans.__('CPU (up to %1)', bounds.cpu.max)
          : trans.__('CPU')}{' '}
        <QuantityInput
          kind="cpu"
          label={trans.__('CPU')}
          autoFocus
          value={cpu}
          onChange={setCpu}
        />
      </label>
      <label>
        {bounds?.memory.max
          ? trans.__('Memory (up to %1)', bounds.memory.max)
          : trans.__('Memory')}{' '}
        <QuantityInput
          kind="bytes"
          label={trans.__('Memory')}
          value={memory}
          onChange={setMemory}
        />
      </label>
      {nb.workspace && (
        <label>
          {props.template?.workspace?.size.max
            ? trans.__(
                'Workspace (up to %1)',
                props.template.workspace.size.max
              )
            : trans.__('Workspace')}{' '}
          <QuantityInput
            kind="bytes"
            label={trans.__('Workspace size')}
            value={size}
            onChange={setSize}
          />
        </label>
      )}
      {problems.map(p => (
        <span key={String(p)} className="jp-nbctl-problem" aria-live="polite">
          {p}
        </span>
      ))}
      <p className="jp-nbctl-hint">
        {restarts
          ? nb.workspace
            ? trans.__(
                'New CPU or memory restarts the notebook: running kernels stop; files in the workspace are kept.'
              )
            : trans.__(
                'New CPU or memory restarts the notebook: running kernels stop, and its files are lost (it has no workspace).'
              )
          : trans.__('A bigger workspace does not restart the notebook.')}
      </p>
      <div className="jp-nbctl-actions">
        <button
          type="button"
          className="jp-mod-styled jp-mod-reject"
          onClick={props.onCancel}
        >
          {trans.__('Cancel')}
        </button>
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={problems.length > 0 || !(restarts || sizeChanged)}
        >
          {restarts ? trans.__('Resize and restart') : trans.__('Resize')}
        </button>
      </div>
    </form>
  );
}
