import { useInfiniteQuery } from '@tanstack/react-query'
import { createFileRoute, useNavigate } from '@tanstack/react-router'
import { Lock } from 'lucide-react'
import { EmptyState } from '@/components/ui/empty-state'
import { PageHeader } from '@/components/ui/page-header'
import { apiTokensQueryOptions } from '@/features/api-tokens/api/get-api-tokens'
import { auditEventsQueryOptions } from '@/features/audit/api/get-audit-events'
import { auditSearchSchema, type AuditSearch } from '@/features/audit/audit-search'
import { AuditFilters, type ActorOption } from '@/features/audit/components/audit-filters'
import { AuditLog } from '@/features/audit/components/audit-log'
import { membersQueryOptions } from '@/features/members/api/get-members'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/audit')({
  validateSearch: auditSearchSchema,
  loaderDeps: ({ search: { action, actor, range, since, until } }) => ({ action, actor, range, since, until }),
  loader: async ({ context: { queryClient, tenantId, membership }, deps }) => {
    if (!hasRole(membership.role, 'admin')) return
    await queryClient.ensureInfiniteQueryData(auditEventsQueryOptions(tenantId, deps))
  },
  component: AuditPage,
})

function AuditPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const { action, actor, range, since, until } = Route.useSearch()
  const search: AuditSearch = { action, actor, range, since, until }
  const navigate = useNavigate()
  const allowed = hasRole(membership.role, 'admin')
  const members = useInfiniteQuery({ ...membersQueryOptions(tenantId), enabled: allowed })
  const tokens = useInfiniteQuery({ ...apiTokensQueryOptions(tenantId), enabled: allowed })

  if (!allowed) {
    return (
      <>
        <PageHeader title="Audit log" />
        <EmptyState icon={Lock} title="Owners and admins read the audit log" />
      </>
    )
  }

  const actors: ActorOption[] = [
    ...(members.data?.members ?? [])
      .filter((m) => m.status === 'active')
      .map((m) => ({ id: m.id, label: m.name ? `${m.name} (${m.email})` : m.email })),
    ...(tokens.data?.tokens ?? []).map((t) => ({ id: t.id, label: `Token: ${t.name}` })),
  ]
  return (
    <>
      <PageHeader title="Audit log" description="Who changed what in this workspace, newest first." />
      <AuditFilters
        // Remount when the URL changes elsewhere (back button) so the inputs follow it.
        key={JSON.stringify(search)}
        search={search}
        actors={actors}
        onChange={(next) => void navigate({ to: '/audit', search: next })}
      />
      <AuditLog tenantId={tenantId} search={search} />
    </>
  )
}
