import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client';
import { errorText } from '../api/error-text';
import type { Channel, ConsentRecord } from '../api/types';
import { inboxKeys, invalidateContact } from '../inbox/inbox-queries';

type RecordedStatus = ConsentRecord['status'];

interface Props {
  contactId: string;
  initialChannel: Channel;
  /** Opened from the compose box's banner: the agent came here to record consent. */
  focusOnMount: boolean;
}

/** Records an opt-in or opt-out the customer gave outside Parley; an opt-in needs its evidence. */
export function ConsentForm({ contactId, initialChannel, focusOnMount }: Props) {
  const { t } = useTranslation('inbox');
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const ids = useId();
  const [channel, setChannel] = useState<Channel>(initialChannel);
  const [status, setStatus] = useState<RecordedStatus>('opted_in');
  const [evidence, setEvidence] = useState('');
  const [missingEvidence, setMissingEvidence] = useState(false);
  const statusRef = useRef<HTMLSelectElement>(null);

  useEffect(() => {
    if (!focusOnMount) return;
    statusRef.current?.scrollIntoView({ block: 'center' });
    statusRef.current?.focus();
  }, [focusOnMount]);

  const record = useMutation({
    mutationFn: (body: { channel: Channel; status: RecordedStatus; evidence?: string }) =>
      call<ConsentRecord>('recordConsent', { params: { id: contactId }, body }),
    onSuccess: async () => {
      setEvidence('');
      await Promise.all([invalidateContact(queryClient, contactId), queryClient.invalidateQueries({ queryKey: inboxKeys.conversations })]);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = evidence.trim();
    if (status === 'opted_in' && trimmed === '') {
      setMissingEvidence(true);
      return;
    }
    setMissingEvidence(false);
    record.mutate({ channel, status, evidence: trimmed || undefined });
  }

  return (
    <form className="consent-form" aria-labelledby={`${ids}-title`} onSubmit={submit} noValidate>
      <h3 id={`${ids}-title`} className="contact-panel__heading">
        {t('contact.form.title')}
      </h3>
      <div className="consent-form__row">
        <div>
          <label htmlFor={`${ids}-channel`}>{t('contact.form.channel')}</label>
          <select id={`${ids}-channel`} value={channel} onChange={(event) => setChannel(event.target.value as Channel)}>
            <option value="whatsapp">{t('channel.whatsapp')}</option>
            <option value="sms">{t('channel.sms')}</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${ids}-status`}>{t('contact.form.status')}</label>
          <select id={`${ids}-status`} ref={statusRef} value={status} onChange={(event) => setStatus(event.target.value as RecordedStatus)}>
            <option value="opted_in">{t('contact.form.optedIn')}</option>
            <option value="opted_out">{t('contact.form.optedOut')}</option>
          </select>
        </div>
      </div>
      <label htmlFor={`${ids}-evidence`}>{t('contact.form.evidence')}</label>
      <input
        id={`${ids}-evidence`}
        type="text"
        value={evidence}
        maxLength={1000}
        onChange={(event) => setEvidence(event.target.value)}
        required={status === 'opted_in'}
        aria-invalid={missingEvidence || undefined}
        aria-describedby={`${ids}-hint`}
      />
      <p id={`${ids}-hint`} className="muted consent-form__hint">
        {t('contact.form.evidenceHint')}
      </p>
      {missingEvidence && (
        <p role="alert" className="error">
          {t('contact.form.evidenceRequired')}
        </p>
      )}
      {record.isError && (
        <p role="alert" className="error">
          {errorText(tc, record.error)}
        </p>
      )}
      {record.isSuccess && (
        <p role="status" className="consent-form__done">
          {t('contact.form.recorded')}
        </p>
      )}
      <button type="submit" className="button button--primary" disabled={record.isPending} aria-busy={record.isPending}>
        {t('contact.form.submit')}
      </button>
    </form>
  );
}
