import { useTranslation } from 'react-i18next';
import { errorText } from '../api/error-text';
import type { Channel, Contact } from '../api/types';
import { dateTime } from '../inbox/format';
import { useConsentHistory } from '../inbox/inbox-queries';
import { ConsentForm } from './consent-form';
import { ErrorAlert } from '../layout/error-alert';
import './contact.css';

const CHANNELS: Channel[] = ['whatsapp', 'sms'];

export interface ConsentRequest {
  channel: Channel;
  /** Changes on every request, so that asking twice for the same channel opens the form again. */
  seq: number;
}

interface Props {
  contact: Contact | undefined;
  error: unknown;
  consentRequest: ConsentRequest | null;
}

/** Who the customer is and what they agreed to: consent per channel, its history and the WhatsApp window. */
export function ContactPanel({ contact, error, consentRequest }: Props) {
  const { t, i18n } = useTranslation('inbox');
  const { t: tc } = useTranslation();
  const history = useConsentHistory(contact?.id);

  if (error) {
    return (
      <ErrorAlert error={error} />
    );
  }
  if (!contact) {
    return (
      <div className="contact-panel__skeleton" aria-busy="true">
        <span className="skeleton skeleton--line" />
        <span className="skeleton skeleton--short" />
        <span className="skeleton skeleton--line" />
      </div>
    );
  }

  const window = contact.sessionWindow.whatsapp;
  return (
    <div className="contact-panel">
      <dl className="contact-panel__facts">
        <dt>{t('contact.name')}</dt>
        <dd>{contact.name || <span className="muted">{t('contact.noName')}</span>}</dd>
        <dt>{t('contact.phone')}</dt>
        <dd>
          <a href={`tel:${contact.phoneNumber}`}>{contact.phoneNumber}</a>
        </dd>
        <dt>{t('contact.consent')}</dt>
        <dd>
          <ul className="contact-panel__consent">
            {CHANNELS.map((channel) => (
              <li key={channel} data-channel={channel} data-consent={contact.consent[channel]}>
                <span className={`badge ${consentBadge(contact.consent[channel])}`}>
                  {t('contact.consentLine', { channel: t(`channel.${channel}`), status: t(`contact.status.${contact.consent[channel]}`) })}
                </span>
              </li>
            ))}
          </ul>
        </dd>
        <dt>{t('contact.window')}</dt>
        <dd>
          {window.open && window.expiresAt ? t('contact.windowOpenUntil', { time: dateTime(window.expiresAt, i18n.language) }) : t('contact.windowClosed')}
        </dd>
      </dl>

      <h3 className="contact-panel__heading">{t('contact.history')}</h3>
      {history.isError ? (
        <p role="alert" className="error">
          {errorText(tc, history.error)}
        </p>
      ) : history.isPending ? (
        <span className="skeleton skeleton--line" aria-busy="true" />
      ) : history.data.length === 0 ? (
        <p className="muted">{t('contact.historyEmpty')}</p>
      ) : (
        <ol className="contact-panel__history">
          {history.data.map((record) => (
            <li key={record.id}>
              <strong>{t('contact.historyEntry', { channel: t(`channel.${record.channel}`), status: t(`contact.status.${record.status}`) })}</strong>
              <time className="muted" dateTime={record.createdAt}>
                {' '}
                · {dateTime(record.createdAt, i18n.language)}
              </time>
              <span className="contact-panel__detail muted">{t('contact.source', { source: record.source })}</span>
              {record.evidence && <span className="contact-panel__detail">{t('contact.evidence', { evidence: record.evidence })}</span>}
              {record.recordedBy && <span className="contact-panel__detail muted">{t('contact.recordedBy', { who: record.recordedBy })}</span>}
            </li>
          ))}
        </ol>
      )}

      <ConsentForm
        key={consentRequest?.seq ?? 0}
        contactId={contact.id}
        initialChannel={consentRequest?.channel ?? 'whatsapp'}
        focusOnMount={consentRequest !== null}
      />
    </div>
  );
}

function consentBadge(status: Contact['consent'][Channel]): string {
  if (status === 'opted_in') return 'badge--ok';
  if (status === 'opted_out') return 'badge--danger';
  return '';
}
