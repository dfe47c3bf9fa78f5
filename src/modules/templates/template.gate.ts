import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import type { SendContext, SendFacts, SendGate } from '../conversations/sending/send-gate';
import { APPROVED } from './templates.service';
import { checkParameters, render } from './template-text';

/**
 * For template sends: the template must exist on a candidate provider (templateNotFound), be approved
 * there (templateNotApproved), and get exactly its placeholders (templateParameterMismatch). Narrows the
 * candidates to providers holding the approved template and renders what the customer will read.
 */
@Injectable()
export class TemplateGate implements SendGate {
  readonly name = 'template';

  check(context: SendContext, facts: SendFacts): void {
    if (context.content.type !== 'template') return;
    const { name, language, parameters } = context.content.template;
    const candidateIds = new Set(context.candidates.map((p) => p.id));
    const found = facts.templates.filter((t) => candidateIds.has(t.providerId));
    if (found.length === 0) {
      throw new DomainError(ErrorCode.TemplateNotFound, `No template ${name} (${language}) on the provider(s) that could send this.`, {
        name,
        language,
      });
    }
    const approved = found.filter((t) => t.status === APPROVED);
    if (approved.length === 0) {
      throw new DomainError(ErrorCode.TemplateNotApproved, `Template ${name} (${language}) is not approved.`, {
        name,
        language,
        status: found[0].status.toLowerCase(),
      });
    }
    const holders = new Set(approved.map((t) => t.providerId));
    context.candidates = context.candidates.filter((p) => holders.has(p.id));
    const template = approved.find((t) => t.providerId === context.candidates[0].id)!;

    const expected = template.placeholders.BODY ?? [];
    const check = checkParameters(template.parameterFormat, expected, parameters);
    if (!check.ok) {
      throw new DomainError(
        ErrorCode.TemplateParameterMismatch,
        `Template ${name} takes ${expected.length} parameter(s) (${template.parameterFormat === 'NAMED' ? expected.join(', ') : 'a list'}).`,
        {
          parameterFormat: template.parameterFormat.toLowerCase(),
          expected: check.expected,
          given: check.given,
          missing: check.missing,
          unexpected: check.unexpected,
        },
      );
    }
    context.renderedText = render(template.components, check.values);
    context.vendorTemplateId = template.vendorTemplateId ?? undefined;
    context.templateCategory = template.category || undefined;
  }
}
