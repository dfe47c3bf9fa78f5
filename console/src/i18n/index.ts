import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { admin } from './locales/admin.en';
import { common as commonEn } from './locales/common.en';
import { common as commonNl } from './locales/common.nl';
import { inbox as inboxEn } from './locales/inbox.en';
import { inbox as inboxNl } from './locales/inbox.nl';

export const LANGUAGES = ['nl', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'parley.language';

// The admin strings travel with the admin chunk (console/src/admin/admin-strings.ts): agents never load them.
const resources = {
  en: { common: commonEn, inbox: inboxEn },
  nl: { common: commonNl, inbox: inboxNl },
} as const;

/** Every namespace's English strings: the keys `t()` is checked against (i18next.d.ts). */
export type Strings = (typeof resources)['en'] & { admin: typeof admin };

/** Dutch first (the first users are Dutch), English when the browser prefers it; the choice is remembered. */
function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'nl' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'nl';
}

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  void i18next.changeLanguage(language);
  document.documentElement.lang = language;
}

void i18next.use(initReactI18next).init({
  resources,
  lng: initialLanguage(),
  fallbackLng: 'en',
  defaultNS: 'common',
  ns: ['common', 'inbox', 'admin'],
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = i18next.language;

export default i18next;
