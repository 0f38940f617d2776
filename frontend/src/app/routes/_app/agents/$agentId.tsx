import { useInfiniteQuery, useQuery, useSuspenseInfiniteQuery, useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute, Link, useRouter } from '@tanstack/react-router'
import { ArrowLeft, Trash2 } from 'lucide-react'
import { lazy, Suspense, useState } from 'react'
import { Badge } from '@/components/ui/badge'
import { Button, buttonClass } from '@/components/ui/button'
import { PageHeader } from '@/components/ui/page-header'
import { agentQueryOptions } from '@/features/agents/api/get-agent'
import { agentKnowledgeQueryOptions } from '@/features/agents/api/get-agent-knowledge'
import { modelsQueryOptions } from '@/features/agents/api/get-models'
import { EditAgent } from '@/features/agents/components/edit-agent'
import { sourcesQueryOptions } from '@/features/knowledge/api/get-sources'
import { llmKeysQueryOptions } from '@/features/llm-keys/api/get-llm-keys'
import { LoadMore } from '@/components/ui/load-more'
import { Skeleton } from '@/components/ui/skeleton'
import { readinessQueryOptions } from '@/features/readiness/api/get-readiness'
import { ReadinessChecklist } from '@/features/readiness/components/readiness-checklist'
import { hasRole } from '@/lib/roles'

// The delete dialog opens on demand, the preview is a tool used on demand (it
// starts empty) and the knowledge section sits below the long form (its data
// loads with the page): each is its own chunk, so the designer's first load
// stays within its budget.
const DeleteAgentDialog = lazy(() => import('@/features/agents/components/delete-agent-dialog').then((m) => ({ default: m.DeleteAgentDialog })))
const AgentKnowledgeSection = lazy(() =>
  import('@/features/agents/components/agent-knowledge-section').then((m) => ({ default: m.AgentKnowledgeSection })),
)
const AgentPreview = lazy(() => import('@/features/agents/components/agent-preview').then((m) => ({ default: m.AgentPreview })))

export const Route = createFileRoute('/_app/agents/$agentId')({
  loader: async ({ context: { queryClient, tenantId, membership }, params }) => {
    await Promise.all([
      queryClient.ensureQueryData(agentQueryOptions(tenantId, params.agentId)),
      queryClient.ensureQueryData(readinessQueryOptions(tenantId)),
      queryClient.ensureQueryData(modelsQueryOptions(tenantId)),
      queryClient.ensureQueryData(agentKnowledgeQueryOptions(tenantId, params.agentId)),
      queryClient.ensureInfiniteQueryData(sourcesQueryOptions(tenantId)),
    ])
    if (hasRole(membership.role, 'admin')) void queryClient.prefetchInfiniteQuery(llmKeysQueryOptions(tenantId))
  },
  component: EditAgentPage,
})

function EditAgentPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const { agentId } = Route.useParams()
  const router = useRouter()
  const agent = useSuspenseQuery(agentQueryOptions(tenantId, agentId)).data
  const readiness = useSuspenseQuery(readinessQueryOptions(tenantId)).data
  const models = useQuery(modelsQueryOptions(tenantId))
  const [deleting, setDeleting] = useState(false)
  const canManage = hasRole(membership.role, 'admin')
  const keys = useInfiniteQuery({ ...llmKeysQueryOptions(tenantId), enabled: canManage })
  const report = readiness.agents.find((a) => a.agent_id === agent.id)
  const sources = useSuspenseInfiniteQuery(sourcesQueryOptions(tenantId))

  return (
    <>
      <Link to="/agents" className="mb-3 inline-flex items-center gap-1 text-sm text-zinc-600 hover:text-zinc-900">
        <ArrowLeft className="size-4" aria-hidden /> All agents
      </Link>
      <PageHeader
        title={agent.name}
        description={
          <span className="inline-flex flex-wrap items-center gap-2">
            {report?.live ? <Badge tone="success">Live</Badge> : agent.is_active ? <Badge tone="warning">Not live</Badge> : <Badge>Switched off</Badge>}
            {agent.role_title}
          </span>
        }
        actions={
          canManage && (
            <Button variant="secondary" onClick={() => setDeleting(true)}>
              <Trash2 className="size-4" aria-hidden /> Delete
            </Button>
          )
        }
      />
      <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_24rem] xl:items-start">
        <div className="min-w-0 space-y-6">
          {report && (
            <section aria-labelledby="agent-live-title" className="max-w-3xl rounded-lg border border-zinc-200 bg-white p-4 sm:p-5">
              <h2 id="agent-live-title" className="mb-3 text-sm font-semibold text-zinc-900">
                {report.live ? `${agent.name} is live` : `Why ${agent.name} is not live`}
              </h2>
              <ReadinessChecklist checks={report.checks} canAct={canManage} />
            </section>
          )}
          <EditAgent
            key={agent.id}
            agent={agent}
            readOnly={!canManage}
            keys={canManage ? (keys.data?.keys ?? []) : undefined}
            models={models.data}
            secondary={
              <Link to="/agents" className={buttonClass('secondary')}>
                Back
              </Link>
            }
          />
          <div className="max-w-3xl">
            <Suspense fallback={<Skeleton className="h-64 w-full" />}>
              <AgentKnowledgeSection
              key={agent.id}
              tenantId={tenantId}
              agentId={agent.id}
              sources={sources.data}
              readOnly={!canManage}
                more={<LoadMore hasNextPage={sources.hasNextPage} isFetchingNextPage={sources.isFetchingNextPage} fetchNextPage={sources.fetchNextPage} />}
              />
            </Suspense>
          </div>
        </div>
        {canManage && (
          <div className="xl:sticky xl:top-6">
            <Suspense fallback={<Skeleton className="h-64 w-full" />}>
              <AgentPreview tenantId={tenantId} agentId={agent.id} />
            </Suspense>
          </div>
        )}
      </div>
      {deleting && (
        <Suspense>
          <DeleteAgentDialog
            tenantId={tenantId}
            agent={agent}
            onOpenChange={setDeleting}
            onDeleted={() => void router.navigate({ to: '/agents', replace: true })}
          />
        </Suspense>
      )}
    </>
  )
}
