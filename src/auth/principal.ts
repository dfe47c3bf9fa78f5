export const ROLES = ['admin', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from a verified token. The tenant always comes from here, never from a request body. */
export interface Principal {
  sub: string;
  tenantId: string;
  roles: Role[];
}
