import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage, type Language } from '../i18n';

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language-picker">
      <span className="visually-hidden">{t('nav.language')}</span>
      <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)} aria-label={t('nav.language')}>
        {LANGUAGES.map((language) => (
          <option key={language} value={language}>
            {language === 'nl' ? 'Nederlands' : 'English'}
          </option>
        ))}
      </select>
    </label>
  );
}
