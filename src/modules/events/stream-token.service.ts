import { createSecretKey, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { sign, verify } from 'jsonwebtoken';
import { principalFromClaims, type TokenClaims } from '../../auth/jwt.strategy';
import type { Principal } from '../../auth/principal';
import { KnownTenants } from '../../common/tenancy/known-tenants';
import { AppConfig } from '../../config/app-config';

/** The audience only the event stream accepts; the API's own guard refuses any token that carries one. */
export const STREAM_TOKEN_AUDIENCE = 'parley:event-stream';
/** Long enough to open the stream, short enough that a token leaked from a URL (history, a proxy log) is dead. */
export const STREAM_TOKEN_TTL_SECONDS = 60;

export interface IssuedStreamToken {
  token: string;
  expiresAt: Date;
}

/**
 * Tokens for the event stream. Browsers' EventSource cannot send an Authorization header, so the stream also
 * takes a token in its URL: preferably a short-lived stream token minted here (signed with the app's key, with
 * its own audience so that it opens the stream and nothing else), or the caller's API token.
 */
@Injectable()
export class StreamTokenService {
  /** A KeyObject, as in the JWT strategy: jsonwebtoken would otherwise try a string as a PEM key first. */
  private readonly key: KeyObject;

  constructor(
    config: AppConfig,
    private readonly tenants: KnownTenants,
  ) {
    this.key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
  }

  issue(principal: Principal): IssuedStreamToken {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + STREAM_TOKEN_TTL_SECONDS;
    const token = sign({ tenantId: principal.tenantId, roles: principal.roles, iat: issuedAt, exp: expiresAt }, this.key, {
      algorithm: 'HS256',
      subject: principal.sub,
      audience: STREAM_TOKEN_AUDIENCE,
    });
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  /**
   * Who a token presented to the stream belongs to: a stream token, or an API token (no audience). Null for
   * anything else: a bad signature, an expired token, a token minted for another audience, unknown tenant.
   */
  async authenticate(token: string): Promise<Principal | null> {
    let claims: TokenClaims;
    try {
      const verified = verify(token, this.key, { algorithms: ['HS256'] });
      if (typeof verified !== 'object' || verified === null) return null;
      claims = verified;
    } catch {
      return null;
    }
    if (claims.aud !== undefined && claims.aud !== STREAM_TOKEN_AUDIENCE) return null;
    return principalFromClaims(claims, this.tenants);
  }
}
