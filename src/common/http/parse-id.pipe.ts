import { Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { DomainError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';

/** Path ids: something that is not a uuid cannot name a resource, so it is a 404 like any unknown id. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value)) throw new DomainError(ErrorCode.NotFound, 'Not found.');
    return value.toLowerCase();
  }
}
