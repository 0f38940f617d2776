import { zodResolver } from '@hookform/resolvers/zod'
import { RotateCcw, Send, Wrench } from 'lucide-react'
import { useState } from 'react'
import { useForm } from 'react-hook-form'
import { problemMessage } from '@/api/problem'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Textarea } from '@/components/ui/input'
import { cn } from '@/lib/cn'
import { formatUSD } from '@/lib/format'
import { applyProblemToForm, sameNames } from '@/lib/form-problem'
import { z } from '@/lib/zod'
import { rule } from '@/api/contract-rules'
import { zPreviewRequest } from '@/api/zod.gen'
import { usePreviewAgent, type PreviewRequest, type PreviewResult } from '../api/preview-agent'

const MAX_HISTORY = 50

export const previewSchema = z.object({ message: rule(zPreviewRequest.shape.message, { required: 'Type a message' }, { trim: true }) })
type PreviewValues = z.infer<typeof previewSchema>

export interface PreviewTurn {
  role: 'user' | 'assistant'
  text: string
  result?: PreviewResult
}

/** The conversation so far as the preview endpoint's history (the newest 50 messages). */
export function previewHistory(turns: readonly PreviewTurn[]): NonNullable<PreviewRequest['history']> {
  return turns.slice(-MAX_HISTORY).map(({ role, text }) => ({ role, text }))
}

/**
 * Tries the saved agent on typed messages, keeping the conversation so far,
 * and shows what each answer cost.
 */
export function AgentPreview({ tenantId, agentId }: { tenantId: string; agentId: string }) {
  const [turns, setTurns] = useState<PreviewTurn[]>([])
  const preview = usePreviewAgent(tenantId, agentId)
  const form = useForm<PreviewValues>({ resolver: zodResolver(previewSchema), defaultValues: { message: '' } })
  const submit = form.handleSubmit(({ message }) => {
    preview.mutate(
      { message, history: previewHistory(turns) },
      {
        onSuccess: (result) => {
          setTurns((t) => [...t, { role: 'user', text: message }, { role: 'assistant', text: result.reply, result }])
          form.reset({ message: '' })
        },
        onError: (error) => applyProblemToForm(error, form.setError, sameNames<PreviewValues>(['message'])),
      },
    )
  })
  return (
    <section aria-label="Preview" className="rounded-lg border border-zinc-200 bg-white">
      <div className="flex items-center justify-between gap-2 border-b border-zinc-100 px-4 py-3">
        <div>
          <h2 className="text-sm font-semibold text-zinc-900">Preview</h2>
          <p className="text-xs text-zinc-600">Runs the saved agent with its real models and keys. Save changes first.</p>
        </div>
        {turns.length > 0 && (
          <Button variant="ghost" size="sm" onClick={() => (setTurns([]), preview.reset())}>
            <RotateCcw className="size-4" aria-hidden /> Start over
          </Button>
        )}
      </div>
      <div className="space-y-3 px-4 py-4">
        {turns.length === 0 ? (
          <p className="text-sm text-zinc-600">Type a message as a customer would.</p>
        ) : (
          <ol aria-label="Preview conversation" className="space-y-3">
            {turns.map((t, i) => (
              <li
                key={i}
                className={cn(
                  'max-w-[90%] rounded-lg px-3 py-2 text-sm',
                  t.role === 'user' ? 'ml-auto bg-zinc-100 text-zinc-900' : 'mr-auto border border-brand-100 bg-brand-50 text-zinc-900',
                )}
              >
                <span className="sr-only">{t.role === 'user' ? 'You: ' : 'Agent: '}</span>
                <p className="break-words whitespace-pre-wrap">{t.text}</p>
                {t.result && <PreviewMeta result={t.result} />}
              </li>
            ))}
          </ol>
        )}
        <div aria-live="polite">
          {preview.isPending && <p className="text-sm text-zinc-600">The agent is thinking…</p>}
          {preview.isError && !form.formState.errors.message && (
            <p role="alert" className="text-sm text-red-700">
              {problemMessage(preview.error)}
            </p>
          )}
        </div>
        <form noValidate onSubmit={submit} className="space-y-2">
          <Field label="Message" error={form.formState.errors.message?.message}>
            <Textarea
              rows={2}
              className="min-h-16"
              {...form.register('message')}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault()
                  void submit()
                }
              }}
            />
          </Field>
          <div className="flex justify-end">
            <Button type="submit" pending={preview.isPending}>
              {!preview.isPending && <Send className="size-4" aria-hidden />} Send
            </Button>
          </div>
        </form>
      </div>
    </section>
  )
}

function PreviewMeta({ result: r }: { result: PreviewResult }) {
  return (
    <div className="mt-2 border-t border-brand-100 pt-1.5 text-xs text-zinc-600">
      <dl className="flex flex-wrap gap-x-3 gap-y-0.5">
        <div className="flex gap-1">
          <dt className="sr-only">Model</dt>
          <dd className="font-mono">{r.model}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Key:</dt>
          <dd>{r.key_source === 'tenant' ? 'yours' : r.key_source === 'platform' ? 'platform' : 'none — not sent to the model'}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Tokens:</dt>
          <dd>
            {r.usage.input_tokens} in / {r.usage.output_tokens} out
          </dd>
        </div>
        <div className="flex gap-1">
          <dt>Cost:</dt>
          <dd>{r.cost_usd < 0.01 && r.cost_usd > 0 ? `$${r.cost_usd.toFixed(6)}` : formatUSD(r.cost_usd)}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Time:</dt>
          <dd>{(r.latency_ms / 1000).toFixed(2)} s</dd>
        </div>
      </dl>
      {r.tool_calls.length > 0 && (
        <ul aria-label="Tool calls" className="mt-1.5 space-y-1">
          {r.tool_calls.map((c, i) => (
            <li key={i} className="rounded bg-white/70 px-2 py-1">
              <span className="inline-flex items-center gap-1 font-medium">
                <Wrench className="size-3" aria-hidden /> {c.name}
              </span>{' '}
              <span className={c.ok ? 'text-emerald-700' : 'text-red-700'}>{c.ok ? 'ok' : 'failed'}</span>
              <code className="block font-mono break-all">{JSON.stringify(c.arguments)}</code>
              {c.result && <span className="block break-words text-zinc-600">{c.result}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
