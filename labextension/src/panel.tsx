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
import { INotebook, ITemplate } from './tokens';

function Content({
  model,
  actions
}: {
  model: NotebooksModel;
  actions: INotebookActions;
}): JSX.Element {
  const [launching, setLaunching] = useState<ITemplate | null>(null);
  const who = model.identity;
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
          <NotebookList notebooks={model.notebooks} actions={actions} />
        ) : (
          <p className="jp-nbctl-empty">Loading…</p>
        )}
      </section>
      <section aria-labelledby="nbctl-templates">
        <h2 id="nbctl-templates">Templates</h2>
        {launching ? (
          <LaunchForm
            template={launching}
            onCancel={() => setLaunching(null)}
            onLaunch={async request => {
              await model.launch(request);
              setLaunching(null);
            }}
          />
        ) : (
          <TemplateCatalog templates={model.templates} onPick={setLaunching} />
        )}
      </section>
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
        if (nb.url) {
          window.open(nb.url, '_blank', 'noopener');
        }
      },
      stop: name => model.stop(name),
      start: name => model.start(name),
      resize: (name, resources) => model.resize(name, resources),
      update: name => model.update(name),
      remove: async (nb: INotebook) => {
        const answer = await showDialog({
          title: `Delete notebook ${nb.name}?`,
          body: `Its pod stops and the notebook is removed. This cannot be undone.`,
          buttons: [
            Dialog.cancelButton(),
            Dialog.warnButton({ label: `Delete ${nb.name}` })
          ]
        });
        if (answer.button.accept) {
          await model.remove(nb.name);
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
    const content = ReactWidget.create(
      <UseSignal signal={model.changed}>
        {() => <Content model={model} actions={actions} />}
      </UseSignal>
    );
    content.title.label = 'Kubernetes notebooks';
    this.addWidget(content);
  }

  protected onAfterShow(): void {
    void this.model.refresh();
  }
}
