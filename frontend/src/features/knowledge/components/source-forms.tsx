import { zodResolver } from '@hookform/resolvers/zod'
import { Controller, useForm, type Control, type FieldPath, type FieldValues, type UseFormRegisterReturn, type UseFormReturn } from 'react-hook-form'
import type { ReactNode } from 'react'
import { Button, buttonClass } from '@/components/ui/button'
import { DialogClose, DialogFooter } from '@/components/ui/dialog'
import { Field } from '@/components/ui/field'
import { InlineError } from '@/components/ui/inline-error'
import { Input, Textarea } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { sameNames } from '@/lib/form-problem'
import { reportFormError } from '@/lib/notify'
import { toast } from '@/lib/toast'
import { useAnswerGap } from '../api/gaps'
import type { KnowledgeGap } from '../api/get-gaps'
import type { KnowledgeSource } from '../api/get-sources'
import { useCreateSource, type SourceCreateBody } from '../api/mutate-source'
import {
  gapAnswerSchema,
  resyncChoices,
  siteBody,
  siteSchema,
  snippetBody,
  snippetSchema,
  urlBody,
  urlSchema,
  type GapAnswerValues,
  type SiteValues,
  type SnippetValues,
  type URLValues,
} from './source-schema'

export type AddKind = 'url' | 'site' | 'snippet'

/** The server's `body.resync_hours` lands on the schedule picker. */
function fieldFor<T extends FieldValues>(names: ReadonlyArray<FieldPath<T>>) {
  const same = sameNames<T>(names)
  return (path: string) => (path === 'resync_hours' ? same('resync') : same(path))
}

/** The form for one kind of source; closes (via onDone) once the server has queued it. */
export function AddSourceForm({ tenantId, kind, onDone }: { tenantId: string; kind: AddKind; onDone: (s: KnowledgeSource) => void }) {
  if (kind === 'url') return <URLForm tenantId={tenantId} onDone={onDone} />
  if (kind === 'site') return <SiteForm tenantId={tenantId} onDone={onDone} />
  return <SnippetForm tenantId={tenantId} onDone={onDone} />
}

function useCreate<T extends FieldValues>(tenantId: string, form: UseFormReturn<T>, names: ReadonlyArray<FieldPath<T>>, onDone: (s: KnowledgeSource) => void) {
  const create = useCreateSource(tenantId, {
    onSuccess: (s) => {
      toast.success(`“${s.title}” added; indexing has started`)
      onDone(s)
    },
  })
  const resolve = fieldFor<T>(names)
  return {
    pending: create.isPending,
    submit: (body: SourceCreateBody) => create.mutate(body, { onError: (e) => reportFormError(e, form.setError, resolve) }),
  }
}

function URLForm({ tenantId, onDone }: { tenantId: string; onDone: (s: KnowledgeSource) => void }) {
  const form = useForm<URLValues>({ resolver: zodResolver(urlSchema), defaultValues: { url: '', title: '', resync: '0' } })
  const { pending, submit } = useCreate(tenantId, form, ['url', 'title', 'resync'], onDone)
  const { errors } = form.formState
  return (
    <form noValidate onSubmit={form.handleSubmit((v) => submit(urlBody(v)))} className="space-y-4">
      <Field label="Page address" hint="One page; its main content is kept, menus and scripts are not." error={errors.url?.message}>
        <Input autoFocus type="url" inputMode="url" autoComplete="off" placeholder="https://help.example.com/returns" {...form.register('url')} />
      </Field>
      <TitleField registration={form.register('title')} error={errors.title?.message} hint="Optional: the page’s own title otherwise." />
      <ResyncField control={form.control as unknown as Control<URLValues>} />
      <Footer error={form.formState.errors.root?.message} pending={pending} label="Add page" />
    </form>
  )
}

function SiteForm({ tenantId, onDone }: { tenantId: string; onDone: (s: KnowledgeSource) => void }) {
  const form = useForm<SiteValues>({
    resolver: zodResolver(siteSchema),
    defaultValues: { url: '', title: '', resync: '168', max_pages: 100, max_depth: 3 },
  })
  const { pending, submit } = useCreate(tenantId, form, ['url', 'title', 'resync', 'max_pages', 'max_depth'], onDone)
  const { errors } = form.formState
  return (
    <form noValidate onSubmit={form.handleSubmit((v) => submit(siteBody(v)))} className="space-y-4">
      <Field label="Start address" hint="Its sitemap is used when it has one; else links on the same site are followed. robots.txt is respected." error={errors.url?.message}>
        <Input autoFocus type="url" inputMode="url" autoComplete="off" placeholder="https://help.example.com/" {...form.register('url')} />
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Most pages" hint="1 to 1,000." error={errors.max_pages?.message}>
          <Input type="number" min={1} max={1000} inputMode="numeric" {...form.register('max_pages', { valueAsNumber: true })} />
        </Field>
        <Field label="Link depth" hint="Clicks away from the start, 0 to 10." error={errors.max_depth?.message}>
          <Input type="number" min={0} max={10} inputMode="numeric" {...form.register('max_depth', { valueAsNumber: true })} />
        </Field>
      </div>
      <TitleField registration={form.register('title')} error={errors.title?.message} hint="Optional: the start page’s title otherwise." />
      <ResyncField control={form.control as unknown as Control<URLValues>} />
      <Footer error={form.formState.errors.root?.message} pending={pending} label="Add site" />
    </form>
  )
}

function SnippetForm({ tenantId, onDone }: { tenantId: string; onDone: (s: KnowledgeSource) => void }) {
  const form = useForm<SnippetValues>({ resolver: zodResolver(snippetSchema), defaultValues: { title: '', question: '', text: '' } })
  const { pending, submit } = useCreate(tenantId, form, ['title', 'question', 'text'], onDone)
  const { errors } = form.formState
  return (
    <form noValidate onSubmit={form.handleSubmit((v) => submit(snippetBody(v)))} className="space-y-4">
      <Field label="Question" hint="Optional: makes it a Q&A pair, e.g. Do you ship to Norway?" error={errors.question?.message}>
        <Input autoFocus autoComplete="off" {...form.register('question')} />
      </Field>
      <Field label="Answer or text" error={errors.text?.message}>
        <Textarea rows={6} {...form.register('text')} />
      </Field>
      <TitleField registration={form.register('title')} error={errors.title?.message} hint="Optional: the question otherwise." />
      <Footer error={form.formState.errors.root?.message} pending={pending} label="Add snippet" />
    </form>
  )
}

function TitleField({ registration, error, hint }: { registration: UseFormRegisterReturn; error: string | undefined; hint: ReactNode }) {
  return (
    <Field label="Title" hint={hint} error={error}>
      <Input autoComplete="off" {...registration} />
    </Field>
  )
}

/** The schedule picker of the URL and site forms (both have `resync`). */
function ResyncField({ control }: { control: Control<URLValues> }) {
  return (
    <Controller
      control={control}
      name="resync"
      render={({ field, fieldState }) => (
        <Field label="Re-sync" hint="Fetches it again on this schedule; unchanged pages are not re-indexed." error={fieldState.error?.message}>
          <Select ref={field.ref} value={field.value} onValueChange={field.onChange} options={resyncChoices} />
        </Field>
      )}
    />
  )
}

function Footer({ error, pending, label }: { error: string | undefined; pending: boolean; label: string }) {
  return (
    <>
      <InlineError error={error} />
      <DialogFooter>
        <DialogClose className={buttonClass('secondary')} type="button">
          Cancel
        </DialogClose>
        <Button type="submit" pending={pending}>
          {label}
        </Button>
      </DialogFooter>
    </>
  )
}

/** One click from a gap to its answer: the server turns it into a snippet source. */
export function GapAnswerForm({ tenantId, gap, onDone }: { tenantId: string; gap: KnowledgeGap; onDone: () => void }) {
  const form = useForm<GapAnswerValues>({ resolver: zodResolver(gapAnswerSchema), defaultValues: { answer: '' } })
  const answer = useAnswerGap(tenantId, gap.id, {
    onSuccess: () => {
      toast.success('Answer added as a snippet; agents can use it once it is indexed')
      onDone()
    },
  })
  return (
    <form
      noValidate
      onSubmit={form.handleSubmit((v) => answer.mutate(v, { onError: (e) => reportFormError(e, form.setError, sameNames<GapAnswerValues>(['answer'])) }))}
      className="space-y-4"
    >
      <Field label="Answer" hint="Becomes a Q&A snippet with this question." error={form.formState.errors.answer?.message}>
        <Textarea autoFocus rows={6} {...form.register('answer')} />
      </Field>
      <Footer error={form.formState.errors.root?.message} pending={answer.isPending} label="Add answer" />
    </form>
  )
}
