import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest as Request } from 'fastify';
import { IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators';
import type { Principal, Role } from './principal';

const DEFAULT_ROLES: Role[] = ['agent', 'admin'];

/** Global, after JwtAuthGuard: the caller must hold one of the route's roles. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const required = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLES, targets) ?? DEFAULT_ROLES;
    const principal = context.switchToHttp().getRequest<Request & { user?: Principal }>().user;
    if (!principal?.roles.some((role) => required.includes(role))) throw new ForbiddenException();
    return true;
  }
}
