import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { Bot, Pencil, Plus, Trash2 } from 'lucide-react'
import { useState } from 'react'
import { Badge } from '@/components/ui/badge'
import { Button, buttonClass } from '@/components/ui/button'
import { EmptyState } from '@/components/ui/empty-state'
import { LoadMore } from '@/components/ui/load-more'
import { agentsQueryOptions, type Agent } from '../api/get-agents'
import { DeleteAgentDialog } from './delete-agent-dialog'

export function AgentsList({ tenantId, canManage }: { tenantId: string; canManage: boolean }) {
  const query = useSuspenseInfiniteQuery(agentsQueryOptions(tenantId))
  const [deleting, setDeleting] = useState<Agent | null>(null)

  const { agents } = query.data
  if (agents.length === 0) {
    return (
      <EmptyState
        icon={Bot}
        title="No agents yet"
        action={
          canManage && (
            <Link to="/agents/new" className={buttonClass('primary')}>
              <Plus className="size-4" aria-hidden /> Create your first agent
            </Link>
          )
        }
      >
        An agent is your AI employee: its persona, what it knows, which model it runs on and when it hands over to a person.
      </EmptyState>
    )
  }

  return (
    <>
      <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white" aria-label="Agents">
        {agents.map((agent) => (
          <li key={agent.id} className="flex flex-col gap-3 px-4 py-4 sm:flex-row sm:items-center sm:px-5">
            <div className="flex min-w-0 flex-1 items-start gap-3">
              <div className="flex size-9 shrink-0 items-center justify-center rounded-full bg-brand-50 text-brand-700" aria-hidden>
                <Bot className="size-5" />
              </div>
              <div className="min-w-0">
                <div className="flex flex-wrap items-center gap-2">
                  <Link
                    to="/agents/$agentId"
                    params={{ agentId: agent.id }}
                    className="truncate text-sm font-semibold text-zinc-900 hover:text-brand-700 hover:underline"
                  >
                    {agent.name}
                  </Link>
                  {agent.is_active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>}
                </div>
                <p className="mt-0.5 truncate text-sm text-zinc-600">
                  {agent.role_title || 'No role set'} · <span className="font-mono text-xs">{agent.model}</span>
                  {agent.fallback_models.length > 0 && ` + ${agent.fallback_models.length} fallback`}
                </p>
              </div>
            </div>
            {canManage && (
              <div className="flex gap-2 sm:shrink-0">
                <Link to="/agents/$agentId" params={{ agentId: agent.id }} className={buttonClass('secondary', 'sm')}>
                  <Pencil className="size-4" aria-hidden /> Edit<span className="sr-only"> {agent.name}</span>
                </Link>
                <Button variant="secondary" size="sm" onClick={() => setDeleting(agent)}>
                  <Trash2 className="size-4" aria-hidden /> Delete<span className="sr-only"> {agent.name}</span>
                </Button>
              </div>
            )}
          </li>
        ))}
      </ul>
      <LoadMore hasNextPage={query.hasNextPage} isFetchingNextPage={query.isFetchingNextPage} fetchNextPage={query.fetchNextPage} />
      <DeleteAgentDialog tenantId={tenantId} agent={deleting} onOpenChange={(open) => !open && setDeleting(null)} />
    </>
  )
}
