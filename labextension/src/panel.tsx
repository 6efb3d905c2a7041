/**
 * The sidebar: my notebooks with their status and actions, and the
 * template catalog with its launch form.
 */
import {
  Dialog,
  ReactWidget,
  showDialog,
  UseSignal
} from '@jupyterlab/apputils';
import { SidePanel } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { LaunchForm } from './components/LaunchForm';
import { INotebookActions, NotebookList } from './components/NotebookList';
import { TemplateCatalog } from './components/TemplateCatalog';
import { NotebooksModel } from './model';
import { WorkspaceList } from './components/WorkspaceList';
import { INotebook, ITemplate } from './tokens';

function Content({
  model,
  actions
}: {
  model: NotebooksModel;
  actions: INotebookActions;
}): JSX.Element {
  const [launching, setLaunching] = useState<ITemplate | null>(null);
  // A kept workspace whose Reattach was pressed: the next template picked reattaches it.
  const [reattach, setReattach] = useState<string | null>(null);
  const who = model.identity;
  const kept = model.workspaces.filter(w => !w.inUse);
  return (
    <div className="jp-nbctl-content">
      {who && (
        <p className="jp-nbctl-who">
          {who.username} in <code>{who.namespace}</code>
        </p>
      )}
      {model.error && (
        <p className="jp-nbctl-problem" role="alert">
          {model.error}
        </p>
      )}
      <section aria-labelledby="nbctl-mine">
        <h2 id="nbctl-mine">My notebooks</h2>
        {model.loaded ? (
          <NotebookList
            notebooks={model.notebooks}
            actions={actions}
            templates={model.templates}
          />
        ) : (
          <p className="jp-nbctl-empty">Loading…</p>
        )}
      </section>
      {kept.length > 0 && (
        <section aria-labelledby="nbctl-kept">
          <h2 id="nbctl-kept">Kept workspaces</h2>
          <WorkspaceList
            workspaces={kept}
            onReattach={name => {
              setReattach(name);
              setLaunching(null);
            }}
            onDelete={name => void removeWorkspace(model, name)}
          />
        </section>
      )}
      <section aria-labelledby="nbctl-templates">
        <h2 id="nbctl-templates">Templates</h2>
        {reattach && !launching && (
          <p className="jp-nbctl-hint" role="status">
            Pick a template with a workspace to reattach {reattach} to.{' '}
            <button
              className="jp-nbctl-button"
              onClick={() => setReattach(null)}
            >
              Cancel
            </button>
          </p>
        )}
        {launching ? (
          <LaunchForm
            template={launching}
            kept={kept}
            reattach={reattach ?? undefined}
            onCancel={() => {
              setLaunching(null);
              setReattach(null);
            }}
            onLaunch={async request => {
              await model.launch(request);
              setLaunching(null);
              setReattach(null);
            }}
          />
        ) : (
          <TemplateCatalog
            templates={
              reattach
                ? model.templates.filter(t => t.workspace)
                : model.templates
            }
            onPick={setLaunching}
          />
        )}
      </section>
    </div>
  );
}

/** Ask, then delete a kept workspace and its files. */
async function removeWorkspace(
  model: NotebooksModel,
  name: string
): Promise<void> {
  const answer = await showDialog({
    title: `Delete workspace ${name}?`,
    body: 'Every file in it is deleted. This cannot be undone.',
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: `Delete ${name}` })
    ],
    defaultButton: 0
  });
  if (answer.button.accept) {
    await model.removeWorkspace(name).catch(() => undefined);
  }
}

/** The delete dialog's body: what goes, and whether the workspace goes too. */
function DeleteBody({
  notebook,
  choice
}: {
  notebook: INotebook;
  choice: { withWorkspace: boolean };
}): JSX.Element {
  const [checked, setChecked] = useState(false);
  const ws = notebook.workspace;
  return (
    <div className="jp-nbctl-delete">
      <p>
        Its pod stops (running kernels end) and the notebook is removed. This
        cannot be undone.
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
            Also delete its workspace {ws.claimName} and every file in it
            (unchecked: it is kept, to reattach later)
          </span>
        </label>
      ) : (
        !ws && <p>It has no workspace: its files go with it.</p>
      )}
    </div>
  );
}

/** Text in a dialog: a notebook's events or its log. */
async function showText(
  title: string,
  load: () => Promise<string>
): Promise<void> {
  let text: string;
  try {
    text = await load();
  } catch (error) {
    text = error instanceof Error ? error.message : String(error);
  }
  await showDialog({
    title,
    body: ReactWidget.create(
      <pre className="jp-nbctl-text">{text || '(empty)'}</pre>
    ),
    buttons: [Dialog.okButton({ label: 'Close' })]
  });
}

export class NotebooksPanel extends SidePanel {
  constructor(readonly model: NotebooksModel) {
    super();
    this.id = 'nbctl-panel';
    this.addClass('jp-nbctl-panel');
    this.title.caption = 'Kubernetes notebooks';
    this.title.label = '';
    const actions: INotebookActions = {
      open: (nb: INotebook) => {
        // The tab opens within the click, so that no popup blocker stops it,
        // and gets its address once the server has minted the ticket. Cut
        // from this page, as 'noopener' would have done.
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
      },
      stop: name => model.stop(name),
      start: name => model.start(name),
      resize: (name, request) => model.resize(name, request),
      update: name => model.update(name),
      keepRunning: name => model.keepRunning(name),
      remove: async (nb: INotebook) => {
        const choice = { withWorkspace: false };
        const answer = await showDialog({
          title: `Delete notebook ${nb.name}?`,
          body: ReactWidget.create(
            <DeleteBody notebook={nb} choice={choice} />
          ),
          buttons: [
            Dialog.cancelButton(),
            Dialog.warnButton({ label: `Delete ${nb.name}` })
          ],
          defaultButton: 0
        });
        if (answer.button.accept) {
          await model.remove(nb.name, choice.withWorkspace);
        }
      },
      events: name =>
        void showText(`Events of ${name}`, async () =>
          (await model.events(name)).items
            .map(
              e =>
                `${e.lastSeen ?? ''}  ${e.type}  ${e.object}  ${e.reason}: ${e.message}`
            )
            .join('\n')
        ),
      logs: name =>
        void showText(
          `Log of ${name}`,
          async () => (await model.logs(name)).text
        )
    };
    model.opener = actions.open;
    const content = ReactWidget.create(
      <UseSignal signal={model.changed}>
        {() => <Content model={model} actions={actions} />}
      </UseSignal>
    );
    content.title.label = 'Kubernetes notebooks';
    // The accordion gives the section its height; the section scrolls within it.
    content.addClass('jp-nbctl-scroll');
    this.addWidget(content);
  }

  protected onAfterShow(): void {
    void this.model.refresh();
  }
}
