import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { createLazyRoute, Link, useRouter } from '@tanstack/react-router'
import { ArrowLeft, Trash2 } from 'lucide-react'
import { useState } from 'react'
import { Badge } from '@/components/ui/badge'
import { Button, buttonClass } from '@/components/ui/button'
import { ErrorState } from '@/components/ui/error-state'
import { PageHeader } from '@/components/ui/page-header'
import { ListSkeleton } from '@/components/ui/skeleton'
import { agentQueryOptions } from '@/features/agents/api/get-agent'
import { AgentPreview } from '@/features/agents/components/agent-preview'
import { DeleteAgentDialog } from '@/features/agents/components/delete-agent-dialog'
import { EditAgent } from '@/features/agents/components/edit-agent'
import { llmKeysQueryOptions } from '@/features/llm-keys/api/get-llm-keys'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/agents/$agentId')({ component: EditAgentPage })

function EditAgentPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const { agentId } = Route.useParams()
  const router = useRouter()
  const agent = useQuery(agentQueryOptions(tenantId, agentId))
  const [deleting, setDeleting] = useState(false)
  const canManage = hasRole(membership.role, 'admin')
  const keys = useInfiniteQuery({ ...llmKeysQueryOptions(tenantId), enabled: canManage })

  const back = (
    <Link to="/agents" className="mb-3 inline-flex items-center gap-1 text-sm text-zinc-600 hover:text-zinc-900">
      <ArrowLeft className="size-4" aria-hidden /> All agents
    </Link>
  )
  if (agent.isPending) {
    return (
      <>
        {back}
        <ListSkeleton rows={4} label="Loading agent" />
      </>
    )
  }
  if (agent.isError) {
    return (
      <>
        {back}
        <ErrorState error={agent.error} onRetry={() => agent.refetch()} />
      </>
    )
  }
  return (
    <>
      {back}
      <PageHeader
        title={agent.data.name}
        description={
          <span className="inline-flex items-center gap-2">
            {agent.data.is_active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>}
            {agent.data.role_title}
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
        <EditAgent
          key={agent.data.id}
          agent={agent.data}
          readOnly={!canManage}
          keys={canManage ? (keys.data?.keys ?? []) : undefined}
          secondary={
            <Link to="/agents" className={buttonClass('secondary')}>
              Back
            </Link>
          }
        />
        {canManage && (
          <div className="xl:sticky xl:top-6">
            <AgentPreview tenantId={tenantId} agentId={agent.data.id} />
          </div>
        )}
      </div>
      <DeleteAgentDialog
        tenantId={tenantId}
        agent={deleting ? agent.data : null}
        onOpenChange={setDeleting}
        onDeleted={() => void router.navigate({ to: '/agents', replace: true })}
      />
    </>
  )
}
