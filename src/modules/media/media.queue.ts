/** The Bull queue of media downloads: producers in MediaModule, its worker in MediaWorkerModule. */
export const MEDIA_QUEUE = 'media';
export const DOWNLOAD_JOB = 'download';

/** Bull's highest priority: a vendor's download URL may expire minutes after the message. */
export const DOWNLOAD_PRIORITY = 1;

export interface MediaDownloadJob {
  messageId: string;
}

/** Each job is tried once: a failed try is rescheduled by the download itself (or, if that fails, by the sweep). */
export const DOWNLOAD_JOB_OPTIONS = { priority: DOWNLOAD_PRIORITY, attempts: 1, removeOnComplete: true, removeOnFail: true } as const;
