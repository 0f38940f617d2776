// Query keys in one place so a mutation in one feature can invalidate what it
// changes without importing another feature. Every tenant-owned key starts
// with ['tenants', tenantId] so switching tenants never shows stale data.

type Filters = Readonly<Record<string, string | undefined>>

export const queryKeys = {
  me: ['me'] as const,
  tenant: (tenantId: string) => ['tenants', tenantId, 'detail'] as const,
  agents: (tenantId: string) => ['tenants', tenantId, 'agents', 'list'] as const,
  agent: (tenantId: string, agentId: string) => ['tenants', tenantId, 'agents', 'detail', agentId] as const,
  apiTokens: (tenantId: string) => ['tenants', tenantId, 'api-tokens', 'list'] as const,
  members: (tenantId: string) => ['tenants', tenantId, 'members', 'list'] as const,
  billing: (tenantId: string) => ['tenants', tenantId, 'billing'] as const,
  usageAll: (tenantId: string) => ['tenants', tenantId, 'usage'] as const,
  usage: (tenantId: string, range: Filters) => ['tenants', tenantId, 'usage', range] as const,
  auditEvents: (tenantId: string, filters: Filters) => ['tenants', tenantId, 'audit-events', 'list', filters] as const,
  llmKeys: (tenantId: string) => ['tenants', tenantId, 'llm-keys', 'list'] as const,
  connections: (tenantId: string) => ['tenants', tenantId, 'channels', 'list'] as const,
  /** Every conversation list (any filters) of a tenant: what a change to one conversation invalidates. */
  conversationLists: (tenantId: string) => ['tenants', tenantId, 'conversations', 'list'] as const,
  conversations: (tenantId: string, filters: Filters) => ['tenants', tenantId, 'conversations', 'list', filters] as const,
  conversation: (tenantId: string, conversationId: string) => ['tenants', tenantId, 'conversations', 'detail', conversationId] as const,
  messages: (tenantId: string, conversationId: string) => ['tenants', tenantId, 'conversations', 'messages', conversationId] as const,
  /** Whether the AI employee is live: changed by channels, agents, keys and tests. */
  readiness: (tenantId: string) => ['tenants', tenantId, 'readiness'] as const,
  models: (tenantId: string) => ['tenants', tenantId, 'models'] as const,
  /** Every knowledge read (sources, chunks, gaps) of a tenant. */
  knowledge: (tenantId: string) => ['tenants', tenantId, 'knowledge'] as const,
  knowledgeSources: (tenantId: string) => ['tenants', tenantId, 'knowledge', 'sources'] as const,
  knowledgeChunks: (tenantId: string, sourceId: string) => ['tenants', tenantId, 'knowledge', 'chunks', sourceId] as const,
  knowledgeGaps: (tenantId: string, status: string) => ['tenants', tenantId, 'knowledge', 'gaps', status] as const,
  /** The sources an agent may use: changed in the designer, and when a source is deleted. */
  agentKnowledge: (tenantId: string, agentId: string) => ['tenants', tenantId, 'agents', 'knowledge', agentId] as const,
}
