import { z } from '@/lib/zod'
import { required, rule } from '@/api/contract-rules'
import { zKnowledgeGapAnswer, zKnowledgeSourceCreate } from '@/api/zod.gen'
import type { SourceCreateBody as KnowledgeSourceCreate } from '../api/mutate-source'

// Each field's rule is the contract's (zod.gen.ts); only the wording and the
// form's own shapes (an optional title typed as text) are written here.
const C = zKnowledgeSourceCreate.shape

const httpURL = rule(required(C.url), { required: 'Enter the address', tooBig: 'At most 2,000 characters' }, { trim: true }).refine(
  (v) => /^https?:\/\/[^\s/]+/i.test(v),
  'An absolute http(s) address, e.g. https://help.example.com/returns',
)
/** An optional title: empty means the server names it (page title, question). */
const title = z.string().trim().max(200, 'At most 200 characters')
const resync = z.enum(['0', '24', '168', '720'])

export const resyncChoices = [
  { value: '0', label: 'Only when I re-sync' },
  { value: '24', label: 'Every day' },
  { value: '168', label: 'Every week' },
  { value: '720', label: 'Every 30 days' },
] as const

// The contract's crawl limits have defaults; the form always sends a number.
const number = (contract: typeof C.max_pages, label: string) =>
  rule(required(contract.unwrap()), { type: `Enter a number for ${label}`, integer: `${label} must be a whole number` })

export const urlSchema = z.object({ url: httpURL, title, resync })
export type URLValues = z.infer<typeof urlSchema>

export const siteSchema = z.object({
  url: httpURL,
  title,
  resync,
  max_pages: number(C.max_pages, 'Most pages'),
  max_depth: number(C.max_depth, 'Link depth'),
})
export type SiteValues = z.infer<typeof siteSchema>

export const snippetSchema = z.object({
  title,
  question: z.string().trim().max(500, 'At most 500 characters'),
  text: rule(required(C.text), { required: 'Write the answer or the text the agent may use', tooBig: 'At most 20,000 characters' }, { trim: true }),
})
export type SnippetValues = z.infer<typeof snippetSchema>

export const gapAnswerSchema = z.object({
  answer: rule(zKnowledgeGapAnswer.shape.answer, { required: 'Write the answer', tooBig: 'At most 20,000 characters' }, { trim: true }),
})
export type GapAnswerValues = z.infer<typeof gapAnswerSchema>

const optionalTitle = (t: string) => (t === '' ? {} : { title: t })

export function urlBody(v: URLValues): KnowledgeSourceCreate {
  return { kind: 'url', url: v.url, resync_hours: Number(v.resync), ...optionalTitle(v.title) }
}

export function siteBody(v: SiteValues): KnowledgeSourceCreate {
  return { kind: 'site', url: v.url, max_pages: v.max_pages, max_depth: v.max_depth, resync_hours: Number(v.resync), ...optionalTitle(v.title) }
}

export function snippetBody(v: SnippetValues): KnowledgeSourceCreate {
  return { kind: 'snippet', text: v.text, ...(v.question === '' ? {} : { question: v.question }), ...optionalTitle(v.title) }
}
