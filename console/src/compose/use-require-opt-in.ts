import { useQuery } from '@tanstack/react-query';
import { call } from '../api/client';
import type { Channel } from '../api/types';
import { hasRole } from '../auth/session';
import { useSignedIn } from '../auth/session-context';
import { DEFAULT_REQUIRE_OPT_IN } from './compose-rules';

/**
 * Whether the tenant requires an opt-in per channel. Only admins may read the settings; agents get the
 * server's defaults, and should the tenant differ, the server's refusal is shown in words when they send.
 */
export function useRequireOptIn(): Record<Channel, boolean> {
  const session = useSignedIn();
  const admin = hasRole(session, 'admin');
  const settings = useQuery({
    queryKey: ['settings'],
    queryFn: ({ signal }) => call<{ requireOptIn: Record<Channel, boolean> }>('getSettings', { signal }),
    enabled: admin,
    staleTime: 5 * 60_000,
  });
  return settings.data?.requireOptIn ?? DEFAULT_REQUIRE_OPT_IN;
}
