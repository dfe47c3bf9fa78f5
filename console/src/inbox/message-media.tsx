import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { rawCall } from '../api/client';
import { errorText } from '../api/error-text';
import type { MessageMedia } from '../api/types';
import { fileSize } from './format';

/**
 * A message's file. The media route needs the bearer header, so an `<img src>` cannot load it: the bytes are
 * fetched with the token and shown through a blob URL, revoked when the message leaves the screen.
 */
export function MessageMediaView({ messageId, media }: { messageId: string; media: MessageMedia }) {
  const { t, i18n } = useTranslation('inbox');
  if (media.status !== 'available') {
    return (
      <div className={`media-placeholder media-placeholder--${media.status}`} data-media-status={media.status}>
        <strong>{t(`media.states.${media.status}`)}</strong>
        {media.reason && <span className="media-placeholder__reason">{t('media.reason', { reason: media.reason })}</span>}
      </div>
    );
  }
  if (media.mimeType?.startsWith('image/')) return <InlineImage messageId={messageId} caption={media.caption} />;
  const name = media.fileName || t('media.unnamed');
  const size = media.size !== null ? fileSize(media.size, i18n.language) : null;
  const label = size ? t('media.download', { name, size: t(`media.${size.unit}`, { value: size.value }) }) : t('media.downloadNoSize', { name });
  return <DownloadButton messageId={messageId} fileName={name} label={label} />;
}

function InlineImage({ messageId, caption }: { messageId: string; caption: string | null }) {
  const { t } = useTranslation('inbox');
  const { t: tc } = useTranslation();
  const [state, setState] = useState<{ url: string } | { error: unknown } | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    let url: string | null = null;
    rawCall('getMessageMedia', { params: { id: messageId }, signal: controller.signal })
      .then((response) => response.blob())
      .then((blob) => {
        url = URL.createObjectURL(blob);
        setState({ url });
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState({ error });
      });
    return () => {
      controller.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [messageId]);

  if (state === null) return <div className="media-image media-image--loading" aria-busy="true">{t('media.loading')}</div>;
  if ('error' in state) {
    return (
      <div className="media-placeholder media-placeholder--failed" role="alert">
        {t('media.failedToLoad')} {errorText(tc, state.error)}
      </div>
    );
  }
  return <img className="media-image" src={state.url} alt={caption || t('media.image')} />;
}

function DownloadButton({ messageId, fileName, label }: { messageId: string; fileName: string; label: string }) {
  const { t: tc } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function download() {
    setBusy(true);
    setError(null);
    try {
      const response = await rawCall('getMessageMedia', { params: { id: messageId } });
      const url = URL.createObjectURL(await response.blob());
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = fileName;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      // The click has handed the blob to the download by now; a tick later the URL is no longer needed.
      setTimeout(() => URL.revokeObjectURL(url), 0);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="media-file">
      <button type="button" className="button" onClick={() => void download()} disabled={busy} aria-busy={busy}>
        {label}
      </button>
      {error !== null && (
        <p role="alert" className="error">
          {errorText(tc, error)}
        </p>
      )}
    </div>
  );
}
