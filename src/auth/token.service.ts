import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Principal } from './principal';

export const DEFAULT_TOKEN_TTL = '8h';

@Injectable()
export class TokenService {
  constructor(private readonly jwt: JwtService) {}

  /** `ttl` is a number of seconds or a span like `8h`, `30m`, `7d`. */
  issue(principal: Principal, ttl: string | number = DEFAULT_TOKEN_TTL): string {
    return this.jwt.sign(
      { tenantId: principal.tenantId, roles: principal.roles },
      { subject: principal.sub, expiresIn: ttl as number, algorithm: 'HS256' },
    );
  }
}
