import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { KeyRound } from 'lucide-react'
import { useState } from 'react'
import { toast } from '@/lib/toast'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { ConfirmDialog } from '@/components/ui/confirm-dialog'
import { EmptyState } from '@/components/ui/empty-state'
import { LoadMore } from '@/components/ui/load-more'
import { Table, Td, Th } from '@/components/ui/table'
import { formatDate } from '@/lib/format'
import { useDeleteLLMKey } from '../api/delete-llm-key'
import { llmKeysQueryOptions, type LLMKey } from '../api/get-llm-keys'
import { providerLabel } from './llm-key-schema'

export function LLMKeysTable({ tenantId, platformProviders = [] }: { tenantId: string; platformProviders?: readonly LLMKey['provider'][] }) {
  const query = useSuspenseInfiniteQuery(llmKeysQueryOptions(tenantId))
  const [deleting, setDeleting] = useState<LLMKey | null>(null)
  const remove = useDeleteLLMKey(tenantId, {
    onSuccess: () => {
      toast.success(`${deleting?.label ?? 'The key'} was deleted`)
      setDeleting(null)
    },
  })

  const { keys } = query.data
  if (keys.length === 0) {
    return (
      <EmptyState icon={KeyRound} title="No API keys yet">
        {platformProviders.length > 0
          ? `Without one, your agents use the platform’s ${platformProviders.map(providerLabel).join(' and ')} key${platformProviders.length > 1 ? 's' : ''}. Bring your own key to pay your provider directly, or to use another provider.`
          : 'This installation offers no keys of its own: your agents cannot answer until you add one. Add an OpenAI, Anthropic or OpenAI-compatible key.'}
      </EmptyState>
    )
  }
  return (
    <>
      <Table aria-label="LLM API keys">
        <thead>
          <tr>
            <Th>Provider</Th>
            <Th>Label</Th>
            <Th>Key</Th>
            <Th>Status</Th>
            <Th>Added</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <Td className="font-medium whitespace-nowrap text-zinc-900">{providerLabel(k.provider)}</Td>
              <Td>
                {k.label}
                {k.base_url && <span className="block font-mono text-xs break-all text-zinc-600">{k.base_url}</span>}
              </Td>
              <Td>
                <code className="font-mono text-xs whitespace-nowrap" aria-label={`Ends in ${k.key_hint}`}>
                  …{k.key_hint}
                </code>
              </Td>
              <Td>
                {k.status === 'active' ? (
                  <Badge tone="success">Active</Badge>
                ) : (
                  <span className="block min-w-40">
                    <Badge tone="danger">Failing</Badge>
                    {k.last_error && <span className="mt-1 block text-xs text-red-700">{k.last_error}</span>}
                  </span>
                )}
              </Td>
              <Td className="whitespace-nowrap">
                <time dateTime={k.created_at}>{formatDate(k.created_at)}</time>
              </Td>
              <Td className="text-right">
                <Button variant="secondary" size="sm" onClick={() => setDeleting(k)}>
                  Delete<span className="sr-only"> {k.label}</span>
                </Button>
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      <LoadMore hasNextPage={query.hasNextPage} isFetchingNextPage={query.isFetchingNextPage} fetchNextPage={query.fetchNextPage} />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={`Delete ${deleting?.label ?? 'key'}?`}
        description="Agents that use it switch to your other keys for this provider, or the platform’s. This can’t be undone."
        confirmLabel="Delete key"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
      />
    </>
  )
}
