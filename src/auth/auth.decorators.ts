import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import type { Principal, Role } from './principal';

export const IS_PUBLIC = 'parley:isPublic';
export const REQUIRED_ROLES = 'parley:requiredRoles';

/** No token needed (vendor webhooks, health, metrics, docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The caller needs at least one of these roles. Routes without it accept `agent` or `admin`. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLES, roles);

export const AdminOnly = (): MethodDecorator & ClassDecorator => Roles('admin');

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<Request & { user: Principal }>().user,
);

/** The caller's tenant id, taken from the verified token. */
export const TenantId = createParamDecorator(
  (_: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest<Request & { user: Principal }>().user.tenantId,
);
