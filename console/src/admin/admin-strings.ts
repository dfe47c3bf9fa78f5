import i18next from 'i18next';
import { admin as adminEn } from '../i18n/locales/admin.en';
import { admin as adminNl } from '../i18n/locales/admin.nl';

// Added when the admin chunk loads, before any admin page renders.
i18next.addResourceBundle('en', 'admin', adminEn);
i18next.addResourceBundle('nl', 'admin', adminNl);
