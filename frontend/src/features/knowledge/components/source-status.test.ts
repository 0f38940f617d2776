import { describe, expect, it } from 'vitest'
import { formatBytes, progressText, sourceOrigin, statusLabel } from './source-status'

describe('source status', () => {
  it('shows the server’s progress only while it works and knows a total', () => {
    expect(progressText({ status: 'fetching', progress: { done: 3, total: 12 } })).toBe('3 of 12 documents')
    expect(progressText({ status: 'indexing', progress: { done: 0, total: 1 } })).toBe('0 of 1 document')
    expect(progressText({ status: 'queued', progress: { done: 0, total: 0 } })).toBeNull()
    expect(progressText({ status: 'ready', progress: { done: 12, total: 12 } })).toBeNull()
  })

  it('labels each state', () => {
    expect(statusLabel({ status: 'failed' })).toEqual({ label: 'Failed', tone: 'danger', working: false })
    expect(statusLabel({ status: 'indexing' }).working).toBe(true)
  })

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 bytes')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MB')
  })

  it('says where a site comes from with its limits', () => {
    expect(sourceOrigin({ kind: 'site', url: 'https://help.example.com', file_name: null, max_pages: 200, max_depth: 3, question: null })).toBe(
      'https://help.example.com · up to 200 pages, 3 links deep',
    )
  })
})
