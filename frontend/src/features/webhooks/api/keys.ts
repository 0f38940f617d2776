// The feature's query keys. Nothing outside webhooks changes these, so they
// live here; like every tenant key they start with ['tenants', tenantId].

type Filters = Readonly<Record<string, string | undefined>>

export const webhookKeys = {
  all: (tenantId: string) => ['tenants', tenantId, 'webhooks'] as const,
  eventTypes: (tenantId: string) => ['tenants', tenantId, 'webhooks', 'event-types'] as const,
  endpoints: (tenantId: string) => ['tenants', tenantId, 'webhooks', 'endpoints'] as const,
  deliveryLists: (tenantId: string) => ['tenants', tenantId, 'webhooks', 'deliveries'] as const,
  deliveries: (tenantId: string, filters: Filters) => ['tenants', tenantId, 'webhooks', 'deliveries', filters] as const,
  delivery: (tenantId: string, deliveryId: string) => ['tenants', tenantId, 'webhooks', 'delivery', deliveryId] as const,
}
