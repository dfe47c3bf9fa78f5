import { Logger } from '@nestjs/common';

// Nest's default console logger (used before pino takes over, and by code under unit test) follows LOG_LEVEL.
if (process.env.LOG_LEVEL === 'silent') Logger.overrideLogger(false);
