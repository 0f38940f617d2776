import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { FileText, Globe, Library, Link2, Loader2, MessageSquareText, Plus, RefreshCw, Rows3, Trash2 } from 'lucide-react'
import { lazy, Suspense, useState } from 'react'
import { Badge } from '@/components/ui/badge'
import { Button, buttonClass } from '@/components/ui/button'
import { ConfirmDialog } from '@/components/ui/confirm-dialog'
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog'
import { EmptyState } from '@/components/ui/empty-state'
import { InlineError } from '@/components/ui/inline-error'
import { LoadMore } from '@/components/ui/load-more'
import { Skeleton } from '@/components/ui/skeleton'
import { formatDateTime, formatRelative } from '@/lib/format'
import { toast } from '@/lib/toast'
import { sourcesQueryOptions, type KnowledgeSource } from '../api/get-sources'
import { useDeleteSource, useSyncSource } from '../api/mutate-source'
import { ChunksDialog } from './chunks-dialog'
import type { AddKind } from './source-forms'
import { formatBytes, progressText, sourceOrigin, statusLabel } from './source-status'
import { UploadDrop } from './upload-drop'

// The forms (and the form library) load when someone opens one.
const AddSourceForm = lazy(() => import('./source-forms').then((m) => ({ default: m.AddSourceForm })))

const kindIcon = { file: FileText, url: Link2, site: Globe, snippet: MessageSquareText } as const

/** Knowledge → Sources: upload, add, watch indexing, look inside, re-sync, delete. */
export function SourcesPanel({ tenantId, canManage }: { tenantId: string; canManage: boolean }) {
  const sources = useSuspenseInfiniteQuery(sourcesQueryOptions(tenantId))
  const [viewing, setViewing] = useState<KnowledgeSource | null>(null)
  const [deleting, setDeleting] = useState<KnowledgeSource | null>(null)
  const working = sources.data.filter((s) => statusLabel(s).working).length
  return (
    <div className="space-y-6">
      {canManage && (
        <>
          <UploadDrop tenantId={tenantId} />
          <div className="flex flex-wrap gap-2">
            <AddSourceDialog tenantId={tenantId} kind="url" label="Add a page" title="Add a web page" icon={Link2} />
            <AddSourceDialog tenantId={tenantId} kind="site" label="Add a site" title="Add a whole site" icon={Globe} />
            <AddSourceDialog tenantId={tenantId} kind="snippet" label="Add a snippet" title="Add a snippet or Q&A" icon={MessageSquareText} />
          </div>
        </>
      )}
      {sources.data.length === 0 ? (
        <EmptyState icon={Library} title="No knowledge yet">
          {canManage
            ? 'Upload your help articles, price lists or manuals, or add your help centre’s address: agents you assign them to answer from them and cite them.'
            : 'Owners and admins add documents, pages and snippets for agents to answer from.'}
        </EmptyState>
      ) : (
        <>
          <p className="text-sm text-zinc-600" aria-live="polite">
            {sources.data.length} source{sources.data.length === 1 ? '' : 's'}
            {working > 0 && <>, {working} being indexed (this list updates on its own)</>}
          </p>
          <ul aria-label="Sources" className="space-y-3">
            {sources.data.map((s) => (
              <SourceCard key={s.id} tenantId={tenantId} source={s} canManage={canManage} onView={() => setViewing(s)} onDelete={() => setDeleting(s)} />
            ))}
          </ul>
          <LoadMore hasNextPage={sources.hasNextPage} isFetchingNextPage={sources.isFetchingNextPage} fetchNextPage={sources.fetchNextPage} />
        </>
      )}
      <ChunksDialog tenantId={tenantId} source={viewing} onOpenChange={(open) => !open && setViewing(null)} />
      <DeleteSourceDialog tenantId={tenantId} source={deleting} onOpenChange={(open) => !open && setDeleting(null)} />
    </div>
  )
}

function AddSourceDialog({ tenantId, kind, label, title, icon: Icon }: { tenantId: string; kind: AddKind; label: string; title: string; icon: typeof Link2 }) {
  const [open, setOpen] = useState(false)
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger className={buttonClass('secondary')}>
        <Plus className="size-4" aria-hidden /> <Icon className="size-4" aria-hidden /> {label}
      </DialogTrigger>
      <DialogContent title={title}>
        <Suspense fallback={<Skeleton className="h-48 w-full" />}>
          <AddSourceForm tenantId={tenantId} kind={kind} onDone={() => setOpen(false)} />
        </Suspense>
      </DialogContent>
    </Dialog>
  )
}

interface CardProps {
  tenantId: string
  source: KnowledgeSource
  canManage: boolean
  onView: () => void
  onDelete: () => void
}

function SourceCard({ tenantId, source: s, canManage, onView, onDelete }: CardProps) {
  const status = statusLabel(s)
  const progress = progressText(s)
  const sync = useSyncSource(tenantId, { onSuccess: () => toast.success(`Re-sync of “${s.title}” queued`) })
  const Icon = kindIcon[s.kind]
  return (
    <li aria-label={s.title} className="rounded-lg border border-zinc-200 bg-white p-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="flex min-w-0 gap-3">
          <Icon className="mt-0.5 size-5 shrink-0 text-zinc-500" aria-hidden />
          <div className="min-w-0">
            <h3 className="font-medium break-words text-zinc-900">{s.title}</h3>
            <p className="text-sm break-all text-zinc-600">{sourceOrigin(s)}</p>
          </div>
        </div>
        <div className="flex shrink-0 items-center gap-2" data-testid="source-status">
          {status.working && <Loader2 className="size-4 animate-spin text-brand-600" aria-hidden />}
          <Badge tone={status.tone}>{status.label}</Badge>
          {progress && <span className="text-sm text-zinc-700">{progress}</span>}
        </div>
      </div>
      {s.status === 'failed' && s.error && (
        <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          {s.error}
        </p>
      )}
      <dl className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-sm text-zinc-600">
        <div className="flex gap-1">
          <dt>Documents:</dt>
          <dd>{s.documents.toLocaleString('en-US')}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Chunks:</dt>
          <dd>{s.chunks.toLocaleString('en-US')}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Size:</dt>
          <dd>{formatBytes(s.bytes)}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Last sync:</dt>
          <dd>{s.last_synced_at ? <time dateTime={s.last_synced_at} title={formatDateTime(s.last_synced_at)}>{formatRelative(s.last_synced_at)}</time> : 'never'}</dd>
        </div>
        {s.next_sync_at && (
          <div className="flex gap-1">
            <dt>Next:</dt>
            <dd>
              <time dateTime={s.next_sync_at} title={formatDateTime(s.next_sync_at)}>
                {formatRelative(s.next_sync_at)}
              </time>
            </dd>
          </div>
        )}
      </dl>
      <div className="mt-3 flex flex-wrap gap-2">
        <Button variant="secondary" size="sm" onClick={onView} disabled={s.chunks === 0} aria-label={`View chunks of ${s.title}`}>
          <Rows3 className="size-4" aria-hidden /> View chunks
        </Button>
        {canManage && (
          <>
            <Button variant="secondary" size="sm" pending={sync.isPending} disabled={status.working} onClick={() => sync.mutate(s.id)} aria-label={`Re-sync ${s.title}`}>
              {!sync.isPending && <RefreshCw className="size-4" aria-hidden />} Re-sync
            </Button>
            <Button variant="ghost" size="sm" onClick={onDelete} aria-label={`Delete ${s.title}`}>
              <Trash2 className="size-4" aria-hidden /> Delete
            </Button>
          </>
        )}
      </div>
      <InlineError error={sync.error} className="mt-3" />
    </li>
  )
}

function DeleteSourceDialog({ tenantId, source, onOpenChange }: { tenantId: string; source: KnowledgeSource | null; onOpenChange: (open: boolean) => void }) {
  const del = useDeleteSource(tenantId, {
    onSuccess: () => {
      toast.success(`“${source?.title ?? 'Source'}” deleted`)
      onOpenChange(false)
    },
  })
  return (
    <ConfirmDialog
      open={source !== null}
      onOpenChange={(open) => {
        if (!open) del.reset()
        onOpenChange(open)
      }}
      title={`Delete “${source?.title ?? ''}”?`}
      description={`Its ${source?.documents ?? 0} documents and ${source?.chunks ?? 0} chunks are removed, and agents stop citing it at once. This cannot be undone.`}
      confirmLabel="Delete source"
      pending={del.isPending}
      error={del.error}
      onConfirm={() => source && del.mutate(source.id)}
    />
  )
}
