/**
 * The panel's words through JupyterLab's translator: the plugin loads the
 * `jupyter_nbctl` domain and hands it down in a React context, so that each
 * component says `trans.__('…')` without threading it through its props.
 */
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import React, { useContext } from 'react';

/** The gettext domain of jupyter-nbctl's strings. */
export const DOMAIN = 'jupyter_nbctl';

export function bundle(translator?: ITranslator | null): TranslationBundle {
  return (translator ?? nullTranslator).load(DOMAIN);
}

export const TransContext = React.createContext<TranslationBundle>(bundle());

/** The translation bundle of the nearest TransContext. */
export function useTrans(): TranslationBundle {
  return useContext(TransContext);
}
