import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { CircleHelp, MessageSquarePlus, X } from 'lucide-react'
import { lazy, Suspense, useState } from 'react'
import { Button } from '@/components/ui/button'
import { Dialog, DialogContent } from '@/components/ui/dialog'
import { EmptyState } from '@/components/ui/empty-state'
import { InlineError } from '@/components/ui/inline-error'
import { LoadMore } from '@/components/ui/load-more'
import { Skeleton } from '@/components/ui/skeleton'
import { formatDateTime, formatRelative } from '@/lib/format'
import { toast } from '@/lib/toast'
import { useDismissGap } from '../api/gaps'
import { gapsQueryOptions, type KnowledgeGap } from '../api/get-gaps'

const GapAnswerForm = lazy(() => import('./source-forms').then((m) => ({ default: m.GapAnswerForm })))

/** Questions agents could not answer from the knowledge, grouped by the server, most asked first. */
export function GapsPanel({ tenantId, canManage, agentName }: { tenantId: string; canManage: boolean; agentName: (id: string | null) => string | undefined }) {
  const gaps = useSuspenseInfiniteQuery(gapsQueryOptions(tenantId))
  const [answering, setAnswering] = useState<KnowledgeGap | null>(null)
  if (gaps.data.length === 0) {
    return (
      <EmptyState icon={CircleHelp} title="No unanswered questions">
        When a customer asks something no source answers, the question shows up here, so you can add the answer once.
      </EmptyState>
    )
  }
  return (
    <>
      <ul aria-label="Gaps" className="space-y-3">
        {gaps.data.map((g) => (
          <GapCard key={g.id} tenantId={tenantId} gap={g} canManage={canManage} agent={agentName(g.agent_id)} onAnswer={() => setAnswering(g)} />
        ))}
      </ul>
      <LoadMore hasNextPage={gaps.hasNextPage} isFetchingNextPage={gaps.isFetchingNextPage} fetchNextPage={gaps.fetchNextPage} />
      <Dialog open={answering !== null} onOpenChange={(open) => !open && setAnswering(null)}>
        {answering && (
          <DialogContent title="Answer this question" description={`“${answering.question}”`}>
            <Suspense fallback={<Skeleton className="h-40 w-full" />}>
              <GapAnswerForm tenantId={tenantId} gap={answering} onDone={() => setAnswering(null)} />
            </Suspense>
          </DialogContent>
        )}
      </Dialog>
    </>
  )
}

function GapCard({ tenantId, gap: g, canManage, agent, onAnswer }: { tenantId: string; gap: KnowledgeGap; canManage: boolean; agent: string | undefined; onAnswer: () => void }) {
  const dismiss = useDismissGap(tenantId, { onSuccess: () => toast.success('Dismissed') })
  return (
    <li aria-label={g.question} className="rounded-lg border border-zinc-200 bg-white p-4">
      <p className="font-medium break-words text-zinc-900">“{g.question}”</p>
      <p className="mt-1 text-sm text-zinc-600">
        Asked {g.asked} time{g.asked === 1 ? '' : 's'} in {g.conversations} conversation{g.conversations === 1 ? '' : 's'}
        {agent && <> of {agent}</>}, last{' '}
        <time dateTime={g.last_asked_at} title={formatDateTime(g.last_asked_at)}>
          {formatRelative(g.last_asked_at)}
        </time>
        .
      </p>
      {canManage && (
        <div className="mt-3 flex flex-wrap gap-2">
          <Button size="sm" onClick={onAnswer} aria-label={`Add an answer to “${g.question}”`}>
            <MessageSquarePlus className="size-4" aria-hidden /> Add answer
          </Button>
          <Button variant="ghost" size="sm" pending={dismiss.isPending} onClick={() => dismiss.mutate(g.id)} aria-label={`Dismiss “${g.question}”`}>
            {!dismiss.isPending && <X className="size-4" aria-hidden />} Dismiss
          </Button>
        </div>
      )}
      <InlineError error={dismiss.error} className="mt-3" />
    </li>
  )
}
