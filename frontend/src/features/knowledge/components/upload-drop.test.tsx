import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { renderWithQuery } from '@/testing/render'
import { UploadDrop } from './upload-drop'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'

const source = (title: string) => ({
  id: '1b3c8a5e-6d1e-4a77-9a43-3f3c7b1b2d10',
  kind: 'file',
  title,
  status: 'queued',
  error: null,
  url: null,
  file_name: title,
  content_type: 'text/markdown',
  question: null,
  text: null,
  max_pages: null,
  max_depth: null,
  resync_hours: 0,
  documents: 0,
  chunks: 0,
  bytes: 20,
  content_hash: null,
  progress: { done: 0, total: 0 },
  last_synced_at: null,
  next_sync_at: null,
  created_at: '2026-12-06T04:00:00Z',
  updated_at: '2026-12-06T04:00:00Z',
})

describe('UploadDrop', () => {
  it('sends each file as multipart and shows what the server answered for each', async () => {
    const sent: Array<{ url: string; file: string | undefined; type: string | null }> = []
    const answers = [
      new Response(JSON.stringify({ type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: 'image/png is not supported; upload PDF, DOCX, HTML, Markdown, text or CSV.' }), {
        status: 415,
        headers: { 'Content-Type': 'application/problem+json' },
      }),
      new Response(JSON.stringify({ type: 'about:blank', title: 'Content Too Large', status: 413, detail: 'A file may be at most 20 MB.' }), {
        status: 413,
        headers: { 'Content-Type': 'application/problem+json' },
      }),
      new Response(JSON.stringify(source('shipping.md')), { status: 201, headers: { 'Content-Type': 'application/json' } }),
      new Response(JSON.stringify(source('faq.md')), { status: 200, headers: { 'Content-Type': 'application/json' } }),
    ]
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request) => {
        const form = await input.formData()
        const file = form.get('file')
        // jsdom's File does not survive into the fetch implementation's
        // FormData (a browser's does; the journey checks the server got the
        // named files): here only the part and the encoding are checked.
        sent.push({ url: input.url, file: file === null ? undefined : 'file', type: input.headers.get('content-type') })
        return answers.shift()!
      }),
    )
    const user = userEvent.setup({ applyAccept: false })
    renderWithQuery(<UploadDrop tenantId={tenantId} />)
    await user.upload(screen.getByLabelText('Choose files'), [
      new File(['PNG?'], 'logo.png', { type: 'image/png' }),
      new File(['x'], 'huge.pdf', { type: 'application/pdf' }),
      new File(['# Shipping'], 'shipping.md', { type: 'text/markdown' }),
      new File(['# FAQ'], 'faq.md', { type: 'text/markdown' }),
    ])

    const list = await screen.findByRole('list', { name: 'Uploads' })
    const line = (name: string) => within(list).getByText(name).closest('li')!
    expect(await within(list).findByText('was already a source')).toBeInTheDocument()
    expect(line('logo.png')).toHaveTextContent('Unsupported type')
    expect(line('logo.png')).toHaveTextContent('image/png is not supported; upload PDF, DOCX, HTML, Markdown, text or CSV.')
    expect(line('huge.pdf')).toHaveTextContent('Too large')
    expect(line('huge.pdf')).toHaveTextContent('A file may be at most 20 MB.')
    expect(line('shipping.md')).toHaveTextContent('uploaded')
    expect(line('faq.md')).toHaveTextContent('was already a source')

    expect(sent.map((s) => s.file)).toEqual(['file', 'file', 'file', 'file'])
    expect(sent[0]!.url).toBe(`${location.origin}/api/portal/tenants/${tenantId}/knowledge/sources/upload`)
    expect(sent[0]!.type).toMatch(/^multipart\/form-data; boundary=/)
  })
})
