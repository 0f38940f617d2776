import { useQueryClient } from '@tanstack/react-query'
import { CheckCircle2, FileUp, Loader2, TriangleAlert, X } from 'lucide-react'
import { useId, useRef, useState, type DragEvent } from 'react'
import { queryKeys } from '@/api/query-keys'
import { Badge } from '@/components/ui/badge'
import { buttonClass } from '@/components/ui/button'
import { cn } from '@/lib/cn'
import { uploadFile } from '../api/mutate-source'
import { uploadFailure, type UploadFailure } from './upload-errors'

interface Upload {
  key: string
  name: string
  state: 'waiting' | 'uploading' | 'done' | 'failed'
  existed?: boolean
  failure?: UploadFailure
}

// What the picker suggests; the server decides (an unsupported file is its 415).
const ACCEPT = '.pdf,.docx,.html,.htm,.md,.markdown,.txt,.csv,application/pdf,text/html,text/markdown,text/plain,text/csv'

let seq = 0

/**
 * Drag-and-drop or pick files; each is sent on its own, one after another,
 * and each line says what the server answered: added (then the list shows its
 * indexing), already there, or refused with the server's reason.
 */
export function UploadDrop({ tenantId }: { tenantId: string }) {
  const inputId = useId()
  const input = useRef<HTMLInputElement>(null)
  const [over, setOver] = useState(false)
  const [uploads, setUploads] = useState<Upload[]>([])
  const queryClient = useQueryClient()
  const busy = uploads.some((u) => u.state === 'uploading' || u.state === 'waiting')

  const set = (key: string, patch: Partial<Upload>) => setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...patch } : u)))

  const send = async (files: File[]) => {
    if (files.length === 0) return
    const batch = files.map((f) => ({ key: `u${++seq}`, name: f.name, state: 'waiting' as const }))
    // A new batch replaces the finished lines of the last one.
    setUploads((all) => [...all.filter((u) => u.state === 'uploading' || u.state === 'waiting'), ...batch])
    for (const [i, file] of files.entries()) {
      const { key } = batch[i]!
      set(key, { state: 'uploading' })
      try {
        const { existed } = await uploadFile(tenantId, file)
        set(key, { state: 'done', existed })
        void queryClient.invalidateQueries({ queryKey: queryKeys.knowledgeSources(tenantId) })
      } catch (e) {
        set(key, { state: 'failed', failure: uploadFailure(file.name, e) })
      }
    }
  }

  const onDrop = (e: DragEvent) => {
    e.preventDefault()
    setOver(false)
    void send(Array.from(e.dataTransfer.files))
  }

  return (
    <div className="space-y-3">
      <div
        onDragOver={(e) => {
          e.preventDefault()
          setOver(true)
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="upload-drop"
        className={cn(
          'flex flex-col items-center gap-3 rounded-lg border-2 border-dashed bg-white px-4 py-6 text-center transition-colors',
          over ? 'border-brand-500 bg-brand-50' : 'border-zinc-300',
        )}
      >
        <FileUp className="size-6 text-brand-600" aria-hidden />
        <p className="text-sm text-zinc-700">
          Drop documents here: help articles, manuals, price lists, or a CSV of questions and answers. Each file gets the server’s answer below,
          including why it could not be read.
        </p>
        <label htmlFor={inputId} className={buttonClass('secondary', 'md', 'cursor-pointer focus-within:outline-2 focus-within:outline-brand-600')}>
          Choose files
        </label>
        <input
          ref={input}
          id={inputId}
          type="file"
          multiple
          accept={ACCEPT}
          className="sr-only"
          onChange={(e) => {
            const files = Array.from(e.target.files ?? [])
            e.target.value = '' // the same file can be picked again
            void send(files)
          }}
        />
      </div>
      {uploads.length > 0 && (
        <ul aria-label="Uploads" aria-live="polite" className="space-y-2">
          {uploads.map((u) => (
            <li
              key={u.key}
              className={cn(
                'flex items-start gap-2 rounded-md border px-3 py-2 text-sm',
                u.state === 'failed' ? 'border-red-200 bg-red-50 text-red-900' : 'border-zinc-200 bg-white text-zinc-800',
              )}
            >
              {u.state === 'failed' ? (
                <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden />
              ) : u.state === 'done' ? (
                <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-emerald-700" aria-hidden />
              ) : (
                <Loader2 className="mt-0.5 size-4 shrink-0 animate-spin text-zinc-500" aria-hidden />
              )}
              <div className="min-w-0 flex-1">
                <span className="font-medium break-all">{u.name}</span>{' '}
                {u.state === 'waiting' && <span className="text-zinc-600">waiting</span>}
                {u.state === 'uploading' && <span className="text-zinc-600">uploading…</span>}
                {u.state === 'done' && <span className="text-zinc-600">{u.existed ? 'was already a source' : 'uploaded'}</span>}
                {u.failure && (
                  <>
                    <Badge tone="danger">{u.failure.kind}</Badge>
                    <p className="mt-0.5 break-words">{u.failure.message}</p>
                  </>
                )}
              </div>
              {!busy && (
                <button
                  type="button"
                  aria-label={`Dismiss ${u.name}`}
                  onClick={() => setUploads((all) => all.filter((x) => x.key !== u.key))}
                  className="-m-1 rounded p-1 text-zinc-600 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-brand-600"
                >
                  <X className="size-3.5" aria-hidden />
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
