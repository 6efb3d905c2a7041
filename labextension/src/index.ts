/**
 * jupyter-nbctl's JupyterLab plugins: the sidebar, its command, a launcher
 * tile and a palette entry.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

import { requestAPI } from './api';
import { addRowCommands } from './commands';
import { DetailSection, NotebookDetail } from './detail';
import { bundle } from './i18n';
import { InsideWatch } from './inside';
import { NotebooksModel } from './model';
import { NotebooksPanel } from './panel';
import { CommandIDs, ISelf } from './tokens';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
<path class="jp-icon3" fill="#616161" d="M12 2 3 7v10l9 5 9-5V7l-9-5zm0 2.3 6.9 3.8L12 12 5.1 8.1 12 4.3zM5 9.8l6 3.4v6.6l-6-3.3V9.8zm8 10v-6.6l6-3.4v6.7l-6 3.3z"/>
</svg>`;

export const nbctlIcon = new LabIcon({
  name: 'jupyter-nbctl:notebooks',
  svgstr: ICON_SVG
});

const PLUGIN_ID = 'jupyter-nbctl:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Launch and manage your Kubernetes notebooks from the sidebar.',
  autoStart: true,
  optional: [
    ICommandPalette,
    ILauncher,
    ILayoutRestorer,
    ITranslator,
    ISettingRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null,
    settings: ISettingRegistry | null
  ) => {
    const trans = bundle(translator);
    // `/lab?nbctl` opens JupyterLab on the panel (make demo prints such a link).
    const openOnStart = new URLSearchParams(window.location.search).has(
      'nbctl'
    );
    const model = new NotebooksModel(trans);
    // One tab per notebook in the main area, found again by its id.
    const details = new Map<string, NotebookDetail>();
    const showDetails = (name: string, section: DetailSection = 'overview') => {
      let tab = details.get(name);
      if (!tab || tab.isDisposed) {
        tab = new NotebookDetail({
          model,
          name,
          actions: panel.actions,
          trans,
          icon: nbctlIcon
        });
        details.set(name, tab);
        app.shell.add(tab, 'main');
      }
      app.shell.activateById(tab.id);
      tab.showSection(section);
    };
    const panel = new NotebooksPanel({
      model,
      commands: app.commands,
      trans,
      translator: translator ?? undefined,
      showDetails
    });
    panel.title.icon = nbctlIcon;
    addRowCommands(app.commands, panel, trans);
    if (settings) {
      void settings.load(PLUGIN_ID).then(
        loaded => {
          const apply = () => {
            model.interval = loaded.get('pollInterval').composite as number;
            model.notifyReady = loaded.get('notifyReady').composite as boolean;
            panel.openIn = loaded.get('openIn').composite as
              'new-tab' | 'this-tab';
          };
          apply();
          loaded.changed.connect(apply);
        },
        error => console.warn(`jupyter-nbctl: settings not loaded: ${error}`)
      );
    }
    restorer?.add(panel, 'nbctl-panel');
    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Kubernetes Notebooks'),
      caption: trans.__('Launch and manage your notebooks on Kubernetes'),
      icon: nbctlIcon,
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh Kubernetes Notebooks'),
      execute: () => model.refresh()
    });
    void placePanel().then(placed => {
      if (!placed) {
        model.dispose();
        return;
      }
      app.shell.add(panel, 'left', { rank: 600 });
      palette?.addItem({ command: CommandIDs.open, category: 'Kubernetes' });
      palette?.addItem({ command: CommandIDs.refresh, category: 'Kubernetes' });
      launcher?.add({ command: CommandIDs.open, category: 'Other', rank: 1 });
      if (openOnStart) {
        void app.restored.then(() => app.shell.activateById(panel.id));
      }
    });
  }
};

/**
 * Whether to show the panel: not inside a jupyter-nbctl notebook, whose server
 * holds at most its pod's ServiceAccount, never its user's credentials (the
 * inside plugin warns of culling there instead).
 */
async function placePanel(): Promise<boolean> {
  try {
    return !(await requestAPI<ISelf>('self')).inside;
  } catch {
    return true; // a server without the self API: the panel explains what fails
  }
}

/** In a notebook's own JupyterLab: its culling warnings, where its user works. */
const inside: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-nbctl:inside',
  description:
    "Warns the user of a jupyter-nbctl notebook, in the notebook's own JupyterLab, before an idle stop.",
  autoStart: true,
  optional: [ITranslator],
  activate: (app: JupyterFrontEnd, translator: ITranslator | null) => {
    const trans = bundle(translator);
    void app.restored.then(() => new InsideWatch(trans));
  }
};

export default [plugin, inside];
