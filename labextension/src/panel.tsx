/**
 * The sidebar, as JupyterLab's own side panels are: a header saying who I
 * am, a toolbar (New notebook, Refresh, a filter), and collapsible sections
 * that each scroll: my notebooks, my kept workspaces, the templates with
 * their launch form.
 */
import {
  Dialog,
  ReactWidget,
  showDialog,
  UseSignal
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  addIcon,
  InputGroup,
  refreshIcon,
  SidePanel,
  ToolbarButton
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { AccordionPanel, PanelLayout, Widget } from '@lumino/widgets';
import React, { useState } from 'react';

import { rowMenu } from './commands';
import type { DetailSection } from './detail';
import { LaunchForm } from './components/LaunchForm';
import { INotebookActions, NotebookList } from './components/NotebookList';
import { TemplateCatalog } from './components/TemplateCatalog';
import { WorkspaceList } from './components/WorkspaceList';
import { TransContext } from './i18n';
import { NotebooksModel } from './model';
import { PanelState } from './state';
import { INotebook } from './tokens';

/** A section's React content, re-rendered when the model or the panel's state changes. */
class Section extends ReactWidget {
  constructor(
    private readonly _render: () => JSX.Element,
    private readonly _model: NotebooksModel,
    private readonly _state: PanelState,
    private readonly _trans: TranslationBundle,
    label: string,
    kind: string
  ) {
    super();
    this.title.label = label;
    this.addClass('jp-nbctl-section');
    this.addClass(`jp-nbctl-section-${kind}`);
  }

  render(): JSX.Element {
    return (
      <TransContext.Provider value={this._trans}>
        <UseSignal signal={this._model.changed}>
          {() => (
            <UseSignal signal={this._state.changed}>
              {() => this._render()}
            </UseSignal>
          )}
        </UseSignal>
      </TransContext.Provider>
    );
  }
}

export class NotebooksPanel extends SidePanel {
  constructor(options: NotebooksPanel.IOptions) {
    super({ translator: options.translator });
    const { model, commands, trans } = options;
    this.model = model;
    this.state = new PanelState();
    this._words = trans;
    this.id = 'nbctl-panel';
    this.addClass('jp-nbctl-panel');
    this.title.caption = trans.__('Kubernetes notebooks');
    this.title.label = '';
    const state = this.state;

    this.actions = {
      open: (nb: INotebook) => openNotebook(model, nb, this.openIn),
      stop: name => model.stop(name),
      start: name => model.start(name),
      resize: (name, request) => model.resize(name, request),
      update: name => model.update(name),
      keepRunning: name => model.keepRunning(name),
      remove: nb => this._remove(nb),
      details: (name, section) => options.showDetails(name, section),
      menu: (nb, anchor) => {
        const menu = rowMenu(commands, nb, trans);
        const box = anchor.getBoundingClientRect();
        // Closed without a pick (Escape, a click elsewhere): focus goes back to the button.
        menu.aboutToClose.connect(() => {
          if (!menu.picked) {
            requestAnimationFrame(() => anchor.focus());
          }
        });
        menu.open(box.left, box.bottom);
      }
    };
    model.opener = this.actions.open;

    this.header.addWidget(
      new Section(
        () => <Who model={model} />,
        model,
        state,
        trans,
        '',
        'header'
      )
    );
    this.toolbar.addItem(
      'new',
      new ToolbarButton({
        icon: addIcon,
        tooltip: trans.__('New notebook'),
        onClick: () => this.newNotebook()
      })
    );
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Refresh'),
        onClick: () => void model.refresh()
      })
    );
    // The filter is a row of its own under the toolbar, as the file browser's is.
    const filter = ReactWidget.create(
      <InputGroup
        type="search"
        className="jp-nbctl-filter"
        aria-label={trans.__('Filter')}
        placeholder={trans.__('Filter notebooks and templates')}
        rightIcon="ui-components:search"
        onChange={e => {
          state.filter = (e.target as HTMLInputElement).value;
        }}
      />
    );
    filter.addClass('jp-nbctl-filter-row');
    (this.layout as PanelLayout).insertWidget(2, filter);

    this._notebooks = new Section(
      () => (
        <>
          {model.error && (
            <p className="jp-nbctl-problem" role="alert">
              {model.error}
            </p>
          )}
          {model.loaded ? (
            <NotebookList
              notebooks={model.notebooks}
              actions={this.actions}
              templates={model.templates}
              state={state}
            />
          ) : (
            <p className="jp-nbctl-empty">{trans.__('Loading…')}</p>
          )}
        </>
      ),
      model,
      state,
      trans,
      trans.__('My notebooks'),
      'notebooks'
    );
    this._kept = new Section(
      () => (
        <WorkspaceList
          workspaces={model.kept.filter(w => state.matches(w.name, w.notebook))}
          onReattach={name => {
            state.reattach = name;
            state.launching = null;
            this._expand(this._templates);
          }}
          onDelete={name => void this._removeWorkspace(name)}
        />
      ),
      model,
      state,
      trans,
      trans.__('Kept workspaces'),
      'kept'
    );
    this._templates = new Section(
      () => <Templates panel={this} />,
      model,
      state,
      trans,
      trans.__('Templates'),
      'templates'
    );
    this.addWidget(this._notebooks);
    this.addWidget(this._templates);
    // Kept workspaces show as a section only while there are some.
    model.changed.connect(this._placeKept, this);
  }

  readonly model: NotebooksModel;
  readonly state: PanelState;
  /** Where Open shows a notebook (the openIn setting). */
  openIn: 'new-tab' | 'this-tab' = 'new-tab';
  readonly actions: INotebookActions;

  /** Open the templates, clear any form, and put focus on the first card. */
  newNotebook(): void {
    this.state.launching = null;
    this._expand(this._templates);
    this.state.focusSoon(this._templates.node, '.jp-nbctl-card');
  }

  /** Focus `selector` in the panel once it is rendered. */
  focusSoon(selector: string): void {
    this.state.focusSoon(this.node, selector);
  }

  protected onAfterShow(): void {
    void this.model.refresh();
  }

  private _expand(section: Widget): void {
    const content = this.content as AccordionPanel;
    const index = content.widgets.indexOf(section);
    if (index >= 0) {
      content.expand(index);
    }
  }

  private _placeKept(): void {
    const any = this.model.kept.length > 0;
    if (any && !this._kept.parent) {
      this.insertWidget(1, this._kept);
    } else if (!any && this._kept.parent) {
      this._kept.parent = null;
    }
  }

  /** Ask, then delete a notebook; its workspace is kept unless asked. */
  private async _remove(nb: INotebook): Promise<void> {
    const trans = this._words;
    const choice = { withWorkspace: false };
    const answer = await showDialog({
      title: trans.__('Delete notebook %1?', nb.name),
      body: ReactWidget.create(
        <TransContext.Provider value={trans}>
          <DeleteBody notebook={nb} choice={choice} />
        </TransContext.Provider>
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Delete %1', nb.name) })
      ],
      defaultButton: 0
    });
    const row = `[data-notebook="${nb.name}"] [data-action="more"]`;
    if (!answer.button.accept) {
      this.focusSoon(row);
      return;
    }
    try {
      await this.model.remove(nb.name, choice.withWorkspace);
    } catch {
      this.focusSoon(row); // refused: the notebook stays, and so does the focus on it
      return;
    }
    this.focusSoon(
      '.jp-nbctl-notebook, .jp-nbctl-section-templates .jp-nbctl-card'
    );
  }

  /** Ask, then delete a kept workspace and its files. */
  private async _removeWorkspace(name: string): Promise<void> {
    const trans = this._words;
    const answer = await showDialog({
      title: trans.__('Delete workspace %1?', name),
      body: trans.__('Every file in it is deleted. This cannot be undone.'),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Delete %1', name) })
      ],
      defaultButton: 0
    });
    if (answer.button.accept) {
      await this.model.removeWorkspace(name).catch(() => undefined);
    }
  }

  private _words: TranslationBundle;
  private _notebooks: Section;
  private _kept: Section;
  private _templates: Section;
}

export namespace NotebooksPanel {
  export interface IOptions {
    model: NotebooksModel;
    commands: CommandRegistry;
    trans: TranslationBundle;
    translator?: import('@jupyterlab/translation').ITranslator;
    /** Open a notebook's tab in the main area, at a section. */
    showDetails: (name: string, section?: DetailSection) => void;
  }
}

/** Who I am, in the panel's header. */
function Who({ model }: { model: NotebooksModel }): JSX.Element {
  const who = model.identity;
  return (
    <h2 className="jp-nbctl-who">
      {who ? `${who.username} · ${who.namespace}` : '\u00a0'}
    </h2>
  );
}

/** The templates section: the catalog, or the launch form of the one picked. */
function Templates({ panel }: { panel: NotebooksPanel }): JSX.Element {
  const { model, state } = panel;
  const launching = state.launching;
  const reattach = state.reattach;
  const back = (template?: string) => {
    state.launching = null;
    state.reattach = null;
    panel.focusSoon(
      template
        ? `.jp-nbctl-card[data-template="${template}"]`
        : '.jp-nbctl-section-templates .jp-nbctl-card'
    );
  };
  const offered = (
    reattach ? model.templates.filter(t => t.workspace) : model.templates
  ).filter(t => state.matches(t.name, t.displayName, t.description));
  return (
    <>
      {reattach && !launching && (
        <p className="jp-nbctl-hint" role="status">
          <ReattachHint name={reattach} onCancel={() => back()} />
        </p>
      )}
      {launching ? (
        <LaunchForm
          template={launching}
          kept={model.kept}
          reattach={reattach ?? undefined}
          taken={model.notebooks.map(nb => nb.name)}
          onCancel={() => back(launching.name)}
          onLaunch={async request => {
            await model.launch(request);
            state.launching = null;
            state.reattach = null;
            // Focus goes to the notebook just made, where its progress shows.
            panel.focusSoon(`[data-notebook="${request.name}"]`);
          }}
        />
      ) : (
        <TemplateCatalog
          templates={offered}
          filtered={!!state.filter}
          onPick={template => {
            state.launching = template;
          }}
        />
      )}
    </>
  );
}

function ReattachHint({
  name,
  onCancel
}: {
  name: string;
  onCancel: () => void;
}): JSX.Element {
  const trans = React.useContext(TransContext);
  return (
    <>
      {trans.__('Pick a template with a workspace to reattach %1 to.', name)}{' '}
      <button className="jp-nbctl-button" onClick={onCancel}>
        {trans.__('Cancel')}
      </button>
    </>
  );
}

/**
 * Open a notebook in a new tab, or in this one. A new tab opens within the
 * click, so that no popup blocker stops it, and gets its address once the
 * server has minted the ticket. Cut from this page, as 'noopener' would
 * have done.
 */
function openNotebook(
  model: NotebooksModel,
  nb: INotebook,
  where: 'new-tab' | 'this-tab'
): void {
  if (where === 'this-tab') {
    void model.openURL(nb.name).then(url => window.location.assign(url));
    return;
  }
  const tab = window.open('', '_blank');
  if (tab) {
    tab.opener = null;
  }
  model.openURL(nb.name).then(
    url => {
      if (tab) {
        tab.location.href = url;
      } else {
        window.open(url, '_blank', 'noopener');
      }
    },
    () => tab?.close()
  );
}

/** The delete dialog's body: what goes, and whether the workspace goes too. */
function DeleteBody({
  notebook,
  choice
}: {
  notebook: INotebook;
  choice: { withWorkspace: boolean };
}): JSX.Element {
  const trans = React.useContext(TransContext);
  const [checked, setChecked] = useState(false);
  const ws = notebook.workspace;
  return (
    <div className="jp-nbctl-delete">
      <p>
        {trans.__(
          'Its pod stops (running kernels end) and the notebook is removed. This cannot be undone.'
        )}
      </p>
      {ws && ws.reason !== 'ExternalClaim' ? (
        <label className="jp-nbctl-checkbox">
          <input
            type="checkbox"
            checked={checked}
            onChange={e => {
              setChecked(e.target.checked);
              choice.withWorkspace = e.target.checked;
            }}
          />
          <span>
            {trans.__(
              'Also delete its workspace %1 and every file in it (unchecked: it is kept, to reattach later)',
              ws.claimName
            )}
          </span>
        </label>
      ) : (
        !ws && <p>{trans.__('It has no workspace: its files go with it.')}</p>
      )}
    </div>
  );
}
