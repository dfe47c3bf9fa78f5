import { createSecretKey, type KeyObject } from 'node:crypto';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { KnownTenants } from '../common/tenancy/known-tenants';
import { AppConfig } from '../config/app-config';
import { Principal, Role, ROLES } from './principal';

export interface TokenClaims {
  sub?: unknown;
  tenantId?: unknown;
  roles?: unknown;
  exp?: unknown;
  aud?: unknown;
}

/**
 * The principal a verified token's claims name, or null when they name none: malformed claims, or a tenant
 * that does not exist here (another environment's token under a shared secret, a hand-made one), which
 * authenticates no one and must not reach tenant-owned writes.
 */
export async function principalFromClaims(claims: TokenClaims, tenants: KnownTenants): Promise<Principal | null> {
  const { sub, tenantId, roles, exp } = claims;
  const validRoles =
    Array.isArray(roles) && roles.length > 0 && roles.every((r): r is Role => ROLES.includes(r as Role));
  if (typeof sub !== 'string' || sub === '' || typeof tenantId !== 'string' || !isUUID(tenantId) || !validRoles ||
      typeof exp !== 'number') {
    return null;
  }
  if (!(await tenants.exists(tenantId.toLowerCase()))) return null;
  return { sub, tenantId, roles: [...new Set(roles)] };
}

/**
 * The HS256 secret as a KeyObject made once. Given a string, jsonwebtoken first tries it as a PEM public key
 * on every verification (a throwing createPublicKey, ≈0.6 ms per request) before falling back to a secret key.
 * passport-jwt hands the key to jsonwebtoken untouched; only its typings still say string | Buffer.
 */
function verificationKey(secret: string): Buffer {
  const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));
  return key as unknown as Buffer;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    config: AppConfig,
    private readonly tenants: KnownTenants,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: verificationKey(config.jwtSecret),
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(claims: TokenClaims): Promise<Principal> {
    // A token minted for one purpose (an event-stream token has an audience) authenticates nothing else.
    if (claims.aud !== undefined) throw new UnauthorizedException();
    const principal = await principalFromClaims(claims, this.tenants);
    if (!principal) throw new UnauthorizedException();
    return principal;
  }
}
