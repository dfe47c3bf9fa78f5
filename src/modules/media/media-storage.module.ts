import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { MediaDeletionService } from './media-deletion.service';
import { createMediaStorage } from './storage/media-storage.factory';
import { MEDIA_STORAGE } from './storage/media-storage';

/**
 * The media storage driver and file deletion, apart from MediaModule so that ConversationsModule (erasure,
 * retention, revokes) can use them without importing the media pipeline, which itself needs conversations.
 * The storage driver is defined here only: MediaModule imports this module rather than providing its own.
 */
@Module({
  providers: [
    { provide: MEDIA_STORAGE, inject: [AppConfig], useFactory: (config: AppConfig) => createMediaStorage(config) },
    MediaDeletionService,
  ],
  exports: [MEDIA_STORAGE, MediaDeletionService],
})
export class MediaStorageModule {}
