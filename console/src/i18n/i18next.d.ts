import 'i18next';
import type { Strings } from './index';

// Typed keys: t('inbox:compose.send') is checked against the English strings; the Dutch files must match them.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'common';
    resources: Strings;
  }
}
