/**
 * Kubernetes quantities ("500m", "4", "16Gi"), read as the API server reads
 * them, so the launch form can check bounds before the server does.
 */

import { TranslationBundle } from '@jupyterlab/translation';

import { bundle } from './i18n';

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18
};
const PATTERN =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

/** The value in base units, or null when the text is not a quantity. */
export function parseQuantity(text: string): number | null {
  const match = PATTERN.exec(text.trim());
  if (!match) {
    return null;
  }
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in BINARY) {
    return number * BINARY[suffix];
  }
  if (suffix in DECIMAL) {
    return number * DECIMAL[suffix];
  }
  return number * 10 ** Number(suffix.slice(1));
}

/** Why a value is not allowed by the bounds, or null when it is. */
export function boundsProblem(
  what: string,
  text: string,
  bounds: { min?: string; max?: string },
  trans: TranslationBundle = bundle()
): string | null {
  const value = parseQuantity(text);
  if (value === null) {
    return trans.__(
      '%1 must be a quantity such as %2',
      what,
      what === trans.__('CPU') ? '500m or 2' : '4Gi'
    );
  }
  if (bounds.min !== undefined && value < (parseQuantity(bounds.min) ?? 0)) {
    return trans.__('%1 must be at least %2', what, bounds.min);
  }
  if (
    bounds.max !== undefined &&
    value > (parseQuantity(bounds.max) ?? Infinity)
  ) {
    return trans.__('%1 must be at most %2', what, bounds.max);
  }
  return null;
}

/** The rule the API server applies to a notebook's name. */
export function nameProblem(
  name: string,
  trans: TranslationBundle = bundle()
): string | null {
  if (!name) {
    return trans.__('Give the notebook a name');
  }
  if (name.length > 52) {
    return trans.__('At most 52 characters');
  }
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    return trans.__(
      "Lowercase letters, digits and '-'; start with a letter, end with a letter or digit"
    );
  }
  return null;
}
