import { Injectable } from '@nestjs/common';

/** Set when SIGTERM arrives, so that readiness fails while in-flight work drains. */
@Injectable()
export class ShutdownState {
  draining = false;
}
