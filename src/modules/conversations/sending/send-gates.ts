import { Injectable } from '@nestjs/common';
import { DomainError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import { OptInGate, OptOutGate } from '../../consent/consent.gates';
import { TemplateGate } from '../../templates/template.gate';
import type { SendContext, SendGate } from './send-gate';
import { SessionWindowGate } from './session-window.gate';

/**
 * The send path's checks in the contract's order of refusals: provider, opt-out, session window, opt-in,
 * template, tier, budget. The first refusal wins and nothing is queued.
 */
@Injectable()
export class SendGates {
  private readonly gates: SendGate[];

  constructor(optOut: OptOutGate, sessionWindow: SessionWindowGate, optIn: OptInGate, template: TemplateGate) {
    this.gates = [optOut, sessionWindow, optIn, template];
  }

  async check(context: SendContext): Promise<void> {
    if (context.candidates.length === 0) {
      throw new DomainError(ErrorCode.NoActiveProvider, `No active ${context.channel} provider can send this message.`);
    }
    for (const gate of this.gates) await gate.check(context);
  }
}
