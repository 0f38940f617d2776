import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query'
import { api, dataOf } from '@/api/client'
import { queryKeys } from '@/api/query-keys'
import type { components } from '@/api/schema.gen'
import type { KnowledgeSource } from './get-sources'

export type KnowledgeSourceCreate = components['schemas']['KnowledgeSourceCreate']
/**
 * What the portal sends: the generated type makes fields with a default
 * required; on the wire they are optional (a URL has no crawl limits).
 */
export type SourceCreateBody = Pick<KnowledgeSourceCreate, 'kind'> & Partial<Omit<KnowledgeSourceCreate, 'kind'>>
type KnowledgeUpload = components['schemas']['KnowledgeUpload']
type Callbacks<T, V> = Pick<UseMutationOptions<T, unknown, V>, 'onSuccess' | 'onError'>

/** Sources, their chunks and gaps all change together. */
function useInvalidate(tenantId: string) {
  const queryClient = useQueryClient()
  return () => queryClient.invalidateQueries({ queryKey: queryKeys.knowledge(tenantId) })
}

function withInvalidate<T, V>(invalidate: () => Promise<void>, options: Callbacks<T, V>): Callbacks<T, V> {
  return {
    ...options,
    onSuccess: (data, ...rest) => {
      void invalidate()
      return options.onSuccess?.(data, ...rest)
    },
  }
}

/** A URL, a site or a snippet. */
export function useCreateSource(tenantId: string, options: Callbacks<KnowledgeSource, SourceCreateBody> = {}) {
  return useMutation({
    ...withInvalidate(useInvalidate(tenantId), options),
    mutationFn: async (body: SourceCreateBody) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/knowledge/sources', {
          params: { path: { tenant_id: tenantId } },
          body: body as KnowledgeSourceCreate,
        }),
      ),
  })
}

export interface Uploaded {
  source: KnowledgeSource
  /** The same bytes were already a source (200): the server returned that one. */
  existed: boolean
}

/** One file as multipart/form-data (part `file`); the server decides whether it takes it. */
export async function uploadFile(tenantId: string, file: File): Promise<Uploaded> {
  const form = new FormData()
  form.append('file', file, file.name)
  const result = await api.POST('/api/portal/tenants/{tenant_id}/knowledge/sources/upload', {
    params: { path: { tenant_id: tenantId } },
    // The generated type says string for a binary part; the browser sends the FormData as is.
    body: form as unknown as KnowledgeUpload,
  })
  return { source: dataOf(result), existed: result.response.status === 200 }
}

export function useSyncSource(tenantId: string, options: Callbacks<KnowledgeSource, string> = {}) {
  return useMutation({
    ...withInvalidate(useInvalidate(tenantId), options),
    mutationFn: async (sourceId: string) =>
      dataOf(
        await api.POST('/api/portal/tenants/{tenant_id}/knowledge/sources/{source_id}/sync', {
          params: { path: { tenant_id: tenantId, source_id: sourceId } },
        }),
      ),
  })
}

export function useDeleteSource(tenantId: string, options: Callbacks<void, string> = {}) {
  const queryClient = useQueryClient()
  return useMutation({
    ...withInvalidate(useInvalidate(tenantId), options),
    mutationFn: async (sourceId: string) => {
      await api.DELETE('/api/portal/tenants/{tenant_id}/knowledge/sources/{source_id}', {
        params: { path: { tenant_id: tenantId, source_id: sourceId } },
      })
      // Agents stop using a deleted source: their assignments change too.
      void queryClient.invalidateQueries({ queryKey: ['tenants', tenantId, 'agents', 'knowledge'] })
    },
  })
}
