/**
 * The row menu's commands: Resize, Update, Events, Log and Delete of one
 * notebook, named by the `name` argument. They live in JupyterLab's command
 * registry, as its own context menus' do, so the palette and keyboard
 * shortcuts can reach them too.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Menu } from '@lumino/widgets';

import type { NotebooksPanel } from './panel';
import { CommandIDs, INotebook } from './tokens';

/** The notebooks the menu's commands act on: those the panel lists. */
function named(
  panel: NotebooksPanel,
  args: ReadonlyPartialJSONObject
): INotebook | undefined {
  return panel.model.notebooks.find(nb => nb.name === args.name);
}

export function addRowCommands(
  commands: CommandRegistry,
  panel: NotebooksPanel,
  trans: TranslationBundle
): void {
  const mine = (args: ReadonlyPartialJSONObject) => !!named(panel, args)?.mine;
  commands.addCommand(CommandIDs.resize, {
    label: trans.__('Resize…'),
    caption: trans.__(
      'New CPU or memory restarts the notebook; a bigger workspace does not'
    ),
    isEnabled: mine,
    execute: args => {
      panel.state.resizing = String(args.name);
    }
  });
  commands.addCommand(CommandIDs.details, {
    label: trans.__('Details'),
    caption: trans.__('Overview, events, log and updates, in a tab'),
    execute: args => panel.actions.details(String(args.name))
  });
  commands.addCommand(CommandIDs.update, {
    label: args => {
      const nb = named(panel, args);
      return nb?.latestRevision
        ? trans.__('Update to revision %1…', nb.latestRevision)
        : trans.__('Update…');
    },
    caption: trans.__(
      'What the update changes, and Restart to update: running kernels stop; files in the workspace are kept'
    ),
    isVisible: args => !!named(panel, args)?.updateAvailable,
    execute: args => panel.actions.details(String(args.name), 'update')
  });
  commands.addCommand(CommandIDs.events, {
    label: trans.__('Events'),
    execute: args => panel.actions.details(String(args.name), 'events')
  });
  commands.addCommand(CommandIDs.logs, {
    label: trans.__('Log'),
    execute: args => panel.actions.details(String(args.name), 'log')
  });
  commands.addCommand(CommandIDs.remove, {
    label: trans.__('Delete…'),
    caption: trans.__('Delete the notebook; you are asked about its workspace'),
    isEnabled: mine,
    execute: args => {
      const nb = named(panel, args);
      return nb ? panel.actions.remove(nb) : undefined;
    }
  });
}

/** A menu that remembers whether an item was picked, or it was closed without one. */
export class RowMenu extends Menu {
  /** Whether an item was picked (its command then decides where focus goes). */
  picked = false;

  triggerActiveItem(): void {
    this.picked = this.activeItem !== null;
    super.triggerActiveItem();
  }
}

/** The menu a row's ⋯ button opens. */
export function rowMenu(
  commands: CommandRegistry,
  notebook: INotebook,
  trans: TranslationBundle
): RowMenu {
  const menu = new RowMenu({ commands });
  menu.addClass('jp-nbctl-menu');
  menu.title.label = trans.__('Actions of %1', notebook.name);
  const args = { name: notebook.name };
  menu.addItem({ command: CommandIDs.details, args });
  menu.addItem({ command: CommandIDs.resize, args });
  menu.addItem({ command: CommandIDs.update, args });
  menu.addItem({ type: 'separator' });
  menu.addItem({ command: CommandIDs.events, args });
  menu.addItem({ command: CommandIDs.logs, args });
  menu.addItem({ type: 'separator' });
  menu.addItem({ command: CommandIDs.remove, args });
  return menu;
}
