import { describe, expect, it } from 'vitest'
import { gapAnswerSchema, siteBody, siteSchema, snippetBody, snippetSchema, urlBody, urlSchema } from './source-schema'

// The first message per field, as the form shows it.
const messages = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) => {
  const out: Record<string, string> = {}
  for (const i of r.error?.issues ?? []) out[i.path.join('.')] ??= i.message
  return out
}

describe('source forms', () => {
  it('asks for an absolute http(s) address', () => {
    expect(messages(urlSchema.safeParse({ url: '', title: '', resync: '0' }))).toEqual({ url: 'Enter the address' })
    expect(messages(urlSchema.safeParse({ url: 'help.example.com', title: '', resync: '0' }))).toEqual({
      url: 'An absolute http(s) address, e.g. https://help.example.com/returns',
    })
  })

  it('sends a URL with its schedule, and no title when none was typed', () => {
    const v = urlSchema.parse({ url: ' https://help.example.com/returns ', title: '', resync: '168' })
    expect(urlBody(v)).toEqual({ kind: 'url', url: 'https://help.example.com/returns', resync_hours: 168 })
  })

  it('keeps a site crawl within the contract’s limits', () => {
    const bad = siteSchema.safeParse({ url: 'https://help.example.com', title: '', resync: '0', max_pages: 5000, max_depth: 11 })
    const m = messages(bad)
    expect(m['max_pages']).toMatch(/1,?000/)
    expect(m['max_depth']).toMatch(/10/)
    expect(messages(siteSchema.safeParse({ url: 'https://a.example', title: '', resync: '0', max_pages: Number.NaN, max_depth: 2 }))).toEqual({
      max_pages: 'Enter a number for Most pages',
    })
    const ok = siteSchema.parse({ url: 'https://help.example.com', title: 'Help', resync: '24', max_pages: 200, max_depth: 3 })
    expect(siteBody(ok)).toEqual({ kind: 'site', url: 'https://help.example.com', title: 'Help', max_pages: 200, max_depth: 3, resync_hours: 24 })
  })

  it('needs a snippet’s text, and sends its question only when there is one', () => {
    expect(messages(snippetSchema.safeParse({ title: '', question: 'Do you ship?', text: '  ' }))).toEqual({
      text: 'Write the answer or the text the agent may use',
    })
    expect(snippetBody(snippetSchema.parse({ title: '', question: '', text: 'Open 9–5.' }))).toEqual({ kind: 'snippet', text: 'Open 9–5.' })
    expect(snippetBody(snippetSchema.parse({ title: '', question: 'When are you open?', text: 'Open 9–5.' }))).toEqual({
      kind: 'snippet',
      question: 'When are you open?',
      text: 'Open 9–5.',
    })
  })

  it('needs a gap’s answer', () => {
    expect(messages(gapAnswerSchema.safeParse({ answer: '' }))).toEqual({ answer: 'Write the answer' })
  })
})
