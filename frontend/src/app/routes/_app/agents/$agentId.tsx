import { useInfiniteQuery, useQuery, useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute, Link, useRouter } from '@tanstack/react-router'
import { ArrowLeft, Trash2 } from 'lucide-react'
import { useState } from 'react'
import { Badge } from '@/components/ui/badge'
import { Button, buttonClass } from '@/components/ui/button'
import { PageHeader } from '@/components/ui/page-header'
import { agentQueryOptions } from '@/features/agents/api/get-agent'
import { modelsQueryOptions } from '@/features/agents/api/get-models'
import { AgentPreview } from '@/features/agents/components/agent-preview'
import { DeleteAgentDialog } from '@/features/agents/components/delete-agent-dialog'
import { EditAgent } from '@/features/agents/components/edit-agent'
import { llmKeysQueryOptions } from '@/features/llm-keys/api/get-llm-keys'
import { readinessQueryOptions } from '@/features/readiness/api/get-readiness'
import { ReadinessChecklist } from '@/features/readiness/components/readiness-checklist'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/agents/$agentId')({
  loader: async ({ context: { queryClient, tenantId, membership }, params }) => {
    await Promise.all([
      queryClient.ensureQueryData(agentQueryOptions(tenantId, params.agentId)),
      queryClient.ensureQueryData(readinessQueryOptions(tenantId)),
      queryClient.ensureQueryData(modelsQueryOptions(tenantId)),
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
        </div>
        {canManage && (
          <div className="xl:sticky xl:top-6">
            <AgentPreview tenantId={tenantId} agentId={agent.id} />
          </div>
        )}
      </div>
      <DeleteAgentDialog
        tenantId={tenantId}
        agent={deleting ? agent : null}
        onOpenChange={setDeleting}
        onDeleted={() => void router.navigate({ to: '/agents', replace: true })}
      />
    </>
  )
}
