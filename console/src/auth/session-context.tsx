import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { configureClient } from '../api/client';
import { clearSession, loadSession, saveToken, storedToken, type Session } from './session';

interface SessionState {
  session: Session | null;
  /** Why the last session ended (a 401), shown on the sign-in screen. */
  endedByServer: boolean;
  signIn: (token: string) => Session | null;
  signOut: (byServer?: boolean) => void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [endedByServer, setEndedByServer] = useState(false);

  const signOut = useCallback(
    (byServer = false) => {
      clearSession();
      queryClient.clear();
      setEndedByServer(byServer);
      setSession(null);
    },
    [queryClient],
  );
  const signIn = useCallback((value: string) => {
    const next = saveToken(value);
    if (next) {
      setEndedByServer(false);
      setSession(next);
    }
    return next;
  }, []);

  // Every API call reads the stored token, not this render's state: the sign-in check right after signIn
  // must carry the new token before React has rendered again. Any 401 signs out.
  configureClient(storedToken, () => signOut(true));

  const value = useMemo(() => ({ session, endedByServer, signIn, signOut }), [session, endedByServer, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** The signed-in session (inside the signed-in routes only). */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (!session) throw new Error('not signed in');
  return session;
}
