/**
 * A notebook's own tab in the main area: its overview (template, revision,
 * resources, workspace, owner, address, age), its progress while it starts,
 * what an update would change with "Restart to update", its events as they
 * arrive and its log, followed. It polls while shown and rests while hidden.
 */
import {
  Clipboard,
  MainAreaWidget,
  Notification,
  ReactWidget
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  launchIcon,
  LabIcon,
  refreshIcon,
  ToolbarButton
} from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';
import React, { useEffect, useRef } from 'react';

import { CullingNotice } from './components/CullingNotice';
import { LaunchStages } from './components/LaunchStages';
import { INotebookActions, shownPhase } from './components/NotebookList';
import { StatusBadge } from './components/StatusBadge';
import { TransContext, useTrans } from './i18n';
import { NotebooksModel } from './model';
import { IEvent, INotebook, IUpdateView } from './tokens';

/** The sections of the detail view a command may scroll to. */
export type DetailSection = 'overview' | 'events' | 'log' | 'update';

interface IDetailState {
  notebook: INotebook | null;
  /** Why the notebook itself could not be read (it was deleted, the server is away). */
  problem: string | null;
  events: IEvent[];
  eventsProblem: string | null;
  log: string;
  logProblem: string | null;
  update: IUpdateView | null;
  follow: boolean;
}

class DetailContent extends ReactWidget {
  constructor(
    readonly model: NotebooksModel,
    readonly name: string,
    readonly actions: INotebookActions,
    readonly trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-nbctl-detail');
    this.poll = new Poll({
      factory: () => this.load(),
      frequency: { interval: 2000, backoff: true, max: 20000 },
      standby: 'when-hidden',
      name: `nbctl:detail:${name}`
    });
  }

  readonly poll: Poll;

  state: IDetailState = {
    notebook: null,
    problem: null,
    events: [],
    eventsProblem: null,
    log: '',
    logProblem: null,
    update: null,
    follow: true
  };

  /** Where to scroll once rendered (a command asked for a section). */
  scrollTo: DetailSection | null = null;

  /** Scroll to the section asked for and focus it, once it is rendered; true when done. */
  reachSection(): boolean {
    const target = this.scrollTo
      ? this.node.querySelector<HTMLElement>(
          `[data-section="${this.scrollTo}"]`
        )
      : null;
    if (!target) {
      return false;
    }
    this.scrollTo = null;
    target.scrollIntoView({ block: 'start' });
    target.focus();
    return true;
  }

  protected onActivateRequest(): void {
    // The shell focuses the tab when it activates it: the section asked for keeps the focus.
    if (this.scrollTo) {
      requestAnimationFrame(() => this.reachSection());
    }
  }

  async load(): Promise<void> {
    const { model, name } = this;
    const said = (error: unknown) =>
      error instanceof Error ? error.message : String(error);
    let notebook: INotebook;
    try {
      notebook = await model.notebook(name);
    } catch (error) {
      this.state = { ...this.state, problem: said(error) };
      this.update();
      throw error; // the poll backs off
    }
    const [events, log, update] = await Promise.all([
      model.events(name).then(
        e => ({ items: e.items, problem: null }),
        error => ({ items: this.state.events, problem: said(error) })
      ),
      notebook.phase === 'Stopped'
        ? Promise.resolve({
            text: this.state.log,
            problem: this.trans.__(
              'The notebook is stopped: it has no log until it starts.'
            )
          })
        : model.logs(name).then(
            l => ({ text: l.text, problem: null }),
            // The last log read stays; the problem shows above it, never as log text.
            error => ({ text: this.state.log, problem: said(error) })
          ),
      notebook.updateAvailable &&
      this.state.update?.latest !== notebook.latestRevision
        ? model.updatePreview(name).catch(() => null)
        : Promise.resolve(notebook.updateAvailable ? this.state.update : null)
    ]);
    this.state = {
      ...this.state,
      notebook,
      problem: null,
      events: events.items,
      eventsProblem: events.problem,
      log: log.text,
      logProblem: log.problem,
      update
    };
    this.update();
  }

  setFollow(follow: boolean): void {
    this.state = { ...this.state, follow };
    this.update();
  }

  dispose(): void {
    this.poll.dispose();
    super.dispose();
  }

  render(): JSX.Element {
    return (
      <TransContext.Provider value={this.trans}>
        <DetailView content={this} />
      </TransContext.Provider>
    );
  }
}

export class NotebookDetail extends MainAreaWidget<DetailContent> {
  constructor(options: NotebookDetail.IOptions) {
    const { model, name, actions, trans, icon } = options;
    const content = new DetailContent(model, name, actions, trans);
    super({ content });
    this.id = `nbctl-detail-${name}`;
    this.title.label = name;
    this.title.caption = trans.__('Notebook %1', name);
    this.title.icon = icon;
    this.title.closable = true;
    this.addClass('jp-nbctl-detail-tab');
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Refresh'),
        onClick: () => void content.poll.refresh()
      })
    );
    this.toolbar.addItem(
      'open',
      new ToolbarButton({
        icon: launchIcon,
        label: trans.__('Open'),
        tooltip: trans.__('Open %1 in a new tab', name),
        enabled: true,
        onClick: () => {
          const nb = content.state.notebook;
          if (nb?.url) {
            actions.open(nb);
          }
        }
      })
    );
  }

  /** Bring a section into view: the overview, the events, the log or the update. */
  showSection(section: DetailSection): void {
    this.content.scrollTo = section;
    this.content.update();
    void this.content.poll.refresh();
    // After the shell's own focus of an activated tab.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => this.content.reachSection())
    );
  }
}

export namespace NotebookDetail {
  export interface IOptions {
    model: NotebooksModel;
    name: string;
    actions: INotebookActions;
    trans: TranslationBundle;
    icon: LabIcon;
  }
}

/** "14:02:07", and the whole stamp on hover: never microseconds. */
function time(stamp?: string): { text: string; title: string } {
  if (!stamp) {
    return { text: '', title: '' };
  }
  const when = new Date(stamp);
  if (isNaN(when.getTime())) {
    return { text: stamp, title: stamp };
  }
  const today = new Date().toDateString() === when.toDateString();
  return {
    text: today
      ? when.toLocaleTimeString([], {
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit'
        })
      : when.toLocaleString([], {
          month: 'short',
          day: 'numeric',
          hour: '2-digit',
          minute: '2-digit'
        }),
    title: when.toLocaleString()
  };
}

/** How long ago, in the largest whole unit: "3 minutes", "2 days". */
function age(stamp: string | undefined, trans: TranslationBundle): string {
  if (!stamp) {
    return '';
  }
  const seconds = Math.max(0, (Date.now() - new Date(stamp).getTime()) / 1000);
  const units: [number, (n: number) => string][] = [
    [86400, n => trans._n('%1 day', '%1 days', n, n)],
    [3600, n => trans._n('%1 hour', '%1 hours', n, n)],
    [60, n => trans._n('%1 minute', '%1 minutes', n, n)]
  ];
  for (const [size, say] of units) {
    if (seconds >= size) {
      return say(Math.floor(seconds / size));
    }
  }
  return trans.__('under a minute');
}

function DetailView({ content }: { content: DetailContent }): JSX.Element {
  const trans = useTrans();
  const { notebook: nb, problem } = content.state;
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    content.reachSection();
  });
  if (!nb) {
    return (
      <div className="jp-nbctl-detail-body" ref={root}>
        {problem ? (
          <p className="jp-nbctl-problem" role="alert">
            {problem}
          </p>
        ) : (
          <p className="jp-nbctl-empty">{trans.__('Loading…')}</p>
        )}
      </div>
    );
  }
  const template = content.model.templates.find(
    t => t.name === nb.template.name && t.namespace === nb.template.namespace
  );
  const created = time(nb.created);
  const rows: [string, React.ReactNode][] = [
    [
      trans.__('Template'),
      template
        ? `${template.displayName} (${nb.template.namespace}/${nb.template.name})`
        : `${nb.template.namespace}/${nb.template.name}`
    ],
    [
      trans.__('Revision'),
      nb.updateAvailable && nb.latestRevision
        ? trans.__(
            '%1 (newest: %2)',
            nb.currentRevision ?? '—',
            nb.latestRevision
          )
        : (nb.currentRevision ?? '—')
    ],
    [
      trans.__('Updates'),
      nb.updatePolicy === 'Auto'
        ? trans.__('taken at each start (Auto)')
        : trans.__('only when asked (Manual)')
    ],
    [
      trans.__('Resources'),
      [
        nb.resources.cpu && trans.__('%1 CPU', nb.resources.cpu),
        nb.resources.memory && trans.__('%1 memory', nb.resources.memory),
        nb.resources.gpu ? trans.__('%1 GPU', nb.resources.gpu) : null
      ]
        .filter(Boolean)
        .join(' · ') || trans.__("the template's defaults")
    ],
    [
      trans.__('Configurations'),
      nb.configurations.length ? nb.configurations.join(', ') : trans.__('none')
    ],
    [
      trans.__('Workspace'),
      nb.workspace
        ? trans.__(
            '%1, %2 (%3)',
            nb.workspace.claimName,
            nb.workspace.capacity ?? nb.workspace.size ?? '',
            nb.workspace.ready
              ? trans.__('ready')
              : nb.workspace.message || nb.workspace.reason
          )
        : trans.__('none: its files are lost at each stop')
    ],
    [trans.__('Owner'), nb.owner ?? ''],
    [
      trans.__('Address'),
      nb.url ? (
        <code className="jp-nbctl-url">{nb.url}</code>
      ) : (
        trans.__('none until it runs')
      )
    ],
    [
      trans.__('Created'),
      <span title={created.title}>
        {trans.__('%1, %2 ago', created.text, age(nb.created, trans))}
      </span>
    ]
  ];
  return (
    <div className="jp-nbctl-detail-body" ref={root}>
      {problem && (
        <p className="jp-nbctl-problem" role="alert">
          {problem}
        </p>
      )}
      <section data-section="overview" tabIndex={-1}>
        <h2 className="jp-nbctl-detail-title">
          {nb.name} <StatusBadge phase={shownPhase(nb)} />
        </h2>
        <LaunchStages notebook={nb} />
        {nb.culling && (
          <CullingNotice
            culling={nb.culling}
            name={nb.name}
            onKeepRunning={() => void content.actions.keepRunning(nb.name)}
          />
        )}
        <dl className="jp-nbctl-overview">
          {rows.map(([term, value]) => (
            <React.Fragment key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </React.Fragment>
          ))}
        </dl>
      </section>
      {nb.updateAvailable && <UpdateSection content={content} notebook={nb} />}
      <EventsSection content={content} />
      <LogSection content={content} />
    </div>
  );
}

function UpdateSection({
  content,
  notebook: nb
}: {
  content: DetailContent;
  notebook: INotebook;
}): JSX.Element {
  const trans = useTrans();
  const update = content.state.update;
  return (
    <section
      data-section="update"
      tabIndex={-1}
      aria-labelledby={`nbctl-update-${nb.name}`}
    >
      <h3 id={`nbctl-update-${nb.name}`}>{trans.__('Update available')}</h3>
      <p>
        {trans.__(
          'Revision %1 of its template is available; it runs %2.',
          nb.latestRevision ?? '',
          nb.currentRevision ?? ''
        )}
      </p>
      {update && update.changes.length > 0 && (
        <table className="jp-nbctl-table" aria-label={trans.__('What changes')}>
          <thead>
            <tr>
              <th>{trans.__('What')}</th>
              <th>{trans.__('Now')}</th>
              <th>{trans.__('After the update')}</th>
            </tr>
          </thead>
          <tbody>
            {update.changes.map(c => (
              <tr key={c.what}>
                <td>{c.what}</td>
                <td>{c.before ?? '—'}</td>
                <td>{c.after ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="jp-nbctl-hint">
        {nb.stopped
          ? trans.__('It takes the update when it starts.')
          : trans.__(
              'The notebook restarts: running kernels stop; files in its workspace are kept.'
            )}
      </p>
      {nb.mine && (
        <button
          type="button"
          className="jp-mod-styled jp-mod-accept"
          onClick={() =>
            void content.actions
              .update(nb.name)
              .then(() => content.poll.refresh())
          }
        >
          {nb.stopped ? trans.__('Update') : trans.__('Restart to update')}
        </button>
      )}
    </section>
  );
}

function EventsSection({ content }: { content: DetailContent }): JSX.Element {
  const trans = useTrans();
  const { events, eventsProblem } = content.state;
  return (
    <section data-section="events" tabIndex={-1} aria-labelledby="nbctl-events">
      <h3 id="nbctl-events">{trans.__('Events')}</h3>
      {eventsProblem && (
        <p className="jp-nbctl-problem" role="alert">
          {eventsProblem}
        </p>
      )}
      {events.length === 0 ? (
        <p className="jp-nbctl-empty">{trans.__('No events.')}</p>
      ) : (
        <table className="jp-nbctl-table jp-nbctl-events">
          <thead>
            <tr>
              <th>{trans.__('Time')}</th>
              <th>{trans.__('Reason')}</th>
              <th>{trans.__('Of')}</th>
              <th>{trans.__('Message')}</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e, i) => {
              const when = time(e.lastSeen);
              return (
                <tr
                  key={`${e.lastSeen}-${e.object}-${e.reason}-${i}`}
                  data-type={e.type}
                >
                  <td title={when.title}>{when.text}</td>
                  <td>
                    {e.type === 'Warning' && (
                      <span className="jp-nbctl-tag jp-mod-warning">
                        {trans.__('Warning')}
                      </span>
                    )}{' '}
                    {e.reason}
                    {e.count > 1 && (
                      <span className="jp-nbctl-hint"> ×{e.count}</span>
                    )}
                  </td>
                  <td>{e.object}</td>
                  <td>{e.message}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function LogSection({ content }: { content: DetailContent }): JSX.Element {
  const trans = useTrans();
  const { log, logProblem, follow } = content.state;
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (follow && pre.current) {
      pre.current.scrollTop = pre.current.scrollHeight;
    }
  }, [log, follow]);
  return (
    <section data-section="log" tabIndex={-1} aria-labelledby="nbctl-log">
      <h3 id="nbctl-log">{trans.__('Log')}</h3>
      <div className="jp-nbctl-log-tools">
        <label className="jp-nbctl-checkbox">
          <input
            type="checkbox"
            checked={follow}
            onChange={e => content.setFollow(e.target.checked)}
          />{' '}
          {trans.__('Follow')}
        </label>
        <button
          type="button"
          className="jp-nbctl-button"
          onClick={() => {
            Clipboard.copyToSystem(log);
            Notification.info(trans.__('The log is copied.'), {
              autoClose: 2000
            });
          }}
          disabled={!log}
        >
          {trans.__('Copy')}
        </button>
      </div>
      {logProblem && (
        <p className="jp-nbctl-problem" role="status">
          {logProblem}
        </p>
      )}
      <pre
        className="jp-nbctl-log"
        ref={pre}
        aria-label={trans.__('Log')}
        tabIndex={0}
      >
        {log || trans.__('(empty)')}
      </pre>
    </section>
  );
}
