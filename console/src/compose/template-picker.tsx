import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Template } from '../api/types';
import { useApprovedTemplates } from '../inbox/inbox-queries';
import { renderTemplatePreview, templateParametersComplete, templateSendParameters } from './compose-rules';
import { ErrorAlert } from '../layout/error-alert';

export interface TemplateSend {
  name: string;
  language: string;
  parameters: string[] | Record<string, string>;
}

interface Props {
  /** The provider of the conversation on this channel; null when there is none yet (every approved template). */
  providerId: string | null;
  disabled: boolean;
  sending: boolean;
  onSend: (template: TemplateSend, onSent: () => void) => void;
}

/** An approved template with one field per parameter and the message as the customer will see it. */
export function TemplatePicker({ providerId, disabled, sending, onSend }: Props) {
  const { t } = useTranslation('inbox');
  const ids = useId();
  const templates = useApprovedTemplates(providerId, true);
  const [selectedId, setSelectedId] = useState('');
  const [params, setParams] = useState<Record<string, string>>({});
  const template: Template | undefined = templates.data?.find((candidate) => candidate.id === selectedId);

  function choose(id: string) {
    setSelectedId(id);
    setParams({});
  }

  function send() {
    if (!template || disabled || !templateParametersComplete(template, params)) return;
    onSend({ name: template.name, language: template.language, parameters: templateSendParameters(template, params) }, () => setParams({}));
  }

  if (templates.isError) {
    return (
      <ErrorAlert error={templates.error} onRetry={() => void templates.refetch()} />
    );
  }

  return (
    <div className="template-picker">
      <label htmlFor={`${ids}-template`}>{t('compose.template')}</label>
      <select id={`${ids}-template`} value={selectedId} onChange={(event) => choose(event.target.value)} disabled={templates.isPending} aria-busy={templates.isPending}>
        <option value="">{templates.isPending ? t('compose.loadingTemplates') : t('compose.chooseTemplate')}</option>
        {templates.data?.map((candidate) => (
          <option key={candidate.id} value={candidate.id}>
            {t('compose.templateOption', { name: candidate.name, language: candidate.language })}
          </option>
        ))}
      </select>
      {templates.data?.length === 0 && <p className="muted">{t('compose.noTemplates')}</p>}

      {template && (
        <>
          {template.parameters.length > 0 && (
            <div className="template-picker__params">
              {template.parameters.map((name) => (
                <div key={name} className="template-picker__param">
                  <label htmlFor={`${ids}-param-${name}`}>{t('compose.parameter', { name })}</label>
                  <input
                    id={`${ids}-param-${name}`}
                    type="text"
                    value={params[name] ?? ''}
                    maxLength={1024}
                    required
                    onChange={(event) => setParams((current) => ({ ...current, [name]: event.target.value }))}
                    onKeyDown={(event) => {
                      // Enter here means "send the template", not the surrounding form's free-form send.
                      if (event.key === 'Enter') {
                        event.preventDefault();
                        send();
                      }
                    }}
                  />
                </div>
              ))}
            </div>
          )}
          <div role="region" aria-label={t('compose.preview')} className="template-picker__preview">
            {renderTemplatePreview(template, params)}
          </div>
        </>
      )}
      <div className="row compose__actions">
        <button
          type="button"
          className="button button--primary"
          onClick={send}
          disabled={disabled || sending || !template || !templateParametersComplete(template, params)}
          aria-busy={sending}
        >
          {t('compose.sendTemplate')}
        </button>
      </div>
    </div>
  );
}
