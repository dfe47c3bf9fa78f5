import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { Principal, Role, ROLES } from './principal';

interface TokenClaims {
  sub?: unknown;
  tenantId?: unknown;
  roles?: unknown;
  exp?: unknown;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  validate(claims: TokenClaims): Principal {
    const { sub, tenantId, roles, exp } = claims;
    const validRoles =
      Array.isArray(roles) && roles.length > 0 && roles.every((r): r is Role => ROLES.includes(r as Role));
    if (typeof sub !== 'string' || sub === '' || typeof tenantId !== 'string' || !isUUID(tenantId) || !validRoles ||
        typeof exp !== 'number') {
      throw new UnauthorizedException();
    }
    return { sub, tenantId, roles: [...new Set(roles)] };
  }
}
