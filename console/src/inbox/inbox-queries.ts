import { useInfiniteQuery, useQuery, type QueryClient } from '@tanstack/react-query';
import { call } from '../api/client';
import type { Channel, ConsentRecord, Contact, Conversation, Message, Page, Template } from '../api/types';

export interface ConversationFilters {
  channel: Channel | '';
  unreadOnly: boolean;
  q: string;
}

/** Query keys of the inbox, in one place so that live events and sends invalidate exactly what they change. */
export const inboxKeys = {
  conversations: ['conversations'] as const,
  conversationList: (filters: ConversationFilters) => ['conversations', 'list', filters] as const,
  contactConversations: (contactId: string) => ['conversations', 'contact', contactId] as const,
  conversation: (id: string) => ['conversation', id] as const,
  thread: (conversationId: string) => ['thread', conversationId] as const,
  contact: (id: string) => ['contact', id] as const,
  consent: (contactId: string) => ['consent', contactId] as const,
  templates: (providerId: string | null) => ['templates', 'approved', providerId ?? 'all'] as const,
};

const PAGE_SIZE = 50;
/** When the event stream is down, lists and threads refresh this often instead. */
export const POLL_MS = 5_000;

export function useConversationList(filters: ConversationFilters, polling: boolean) {
  return useInfiniteQuery({
    queryKey: inboxKeys.conversationList(filters),
    queryFn: ({ pageParam, signal }) =>
      call<Page<Conversation>>('listConversations', {
        query: {
          channel: filters.channel || undefined,
          unread: filters.unreadOnly ? true : undefined,
          q: filters.q || undefined,
          cursor: pageParam,
          limit: PAGE_SIZE,
        },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: polling ? POLL_MS : false,
  });
}

export function useConversation(id: string | undefined, polling: boolean) {
  return useQuery({
    queryKey: inboxKeys.conversation(id ?? ''),
    queryFn: ({ signal }) => call<Conversation>('getConversation', { params: { id: id! }, signal }),
    enabled: Boolean(id),
    refetchInterval: polling ? POLL_MS : false,
  });
}

/** The contact's conversations on every channel (a contact has at most one per channel and provider). */
export function useContactConversations(contactId: string | undefined) {
  return useQuery({
    queryKey: inboxKeys.contactConversations(contactId ?? ''),
    queryFn: ({ signal }) => call<Page<Conversation>>('listConversations', { query: { contactId: contactId!, limit: 20 }, signal }),
    enabled: Boolean(contactId),
    select: (page) => page.items,
  });
}

/** Messages newest first, page by page; each further page is older. */
export function useThread(conversationId: string | undefined, polling: boolean) {
  return useInfiniteQuery({
    queryKey: inboxKeys.thread(conversationId ?? ''),
    queryFn: ({ pageParam, signal }) =>
      call<Page<Message>>('listConversationMessages', {
        params: { id: conversationId! },
        query: { cursor: pageParam, limit: PAGE_SIZE },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: Boolean(conversationId),
    refetchInterval: polling ? POLL_MS : false,
  });
}

export function useContact(id: string | undefined, polling: boolean) {
  return useQuery({
    queryKey: inboxKeys.contact(id ?? ''),
    queryFn: ({ signal }) => call<Contact>('getContact', { params: { id: id! }, signal }),
    enabled: Boolean(id),
    refetchInterval: polling ? POLL_MS : false,
  });
}

export function useConsentHistory(contactId: string | undefined) {
  return useQuery({
    queryKey: inboxKeys.consent(contactId ?? ''),
    queryFn: ({ signal }) => call<{ items: ConsentRecord[] }>('listConsent', { params: { id: contactId! }, signal }),
    enabled: Boolean(contactId),
    select: (page) => page.items,
  });
}

export function useApprovedTemplates(providerId: string | null, enabled: boolean) {
  return useQuery({
    queryKey: inboxKeys.templates(providerId),
    queryFn: ({ signal }) =>
      call<Page<Template>>('listApprovedTemplates', { query: { providerId: providerId ?? undefined, status: 'approved', limit: 200 }, signal }),
    enabled,
    select: (page) => page.items.filter((template) => template.status === 'approved'),
    staleTime: 60_000,
  });
}

/** After a send or a consent change: everything that shows the contact's messages or consent. */
export function invalidateContact(queryClient: QueryClient, contactId: string): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: inboxKeys.contact(contactId) }),
    queryClient.invalidateQueries({ queryKey: inboxKeys.consent(contactId) }),
  ]).then(() => undefined);
}
